#!/usr/bin/env node
// Verifier benchmark over the BUILT package (run `npm run build` first):
//   1. one sealed evidence bundle verified (median): version 1, and version 2 under the pinned
//      key alone, a policy of the log's two note keys, and a 2-of-3 witness quorum
//   2. a period export of 1,000,000 receipts (NDJSON bytes) audited: v1 against its signed head
//      (and 10,000 with every receipt signature verified), v2 self-contained (auditExport), side by side
//   3. a root rebuilt from 1,000,000 receipt hashes, against merkletreejs on the same leaves
//   4. ES256 verify against jose on the same key and bytes
// Targets: docs/ARCHITECTURE.md. Prints a table, then one JSON line of rows for bench/run.mjs.
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { flattenedVerify } from 'jose';
import {
  auditExport, auditPeriod, b64uEncode, importPublicKey, merkleRoot, parsePolicy, rawToDer, receiptHash, verifyEvidence, verifySignature, canonicalBytes,
} from '../dist/esm/verify.js';
import { makeKey, receiptStatements, sealedBundle, signedPeriodHead } from './lib/verify-fixtures.mjs';
import { v2Bundle, v2Export, v2Keys } from './lib/verify-fixtures-v2.mjs';

const require = createRequire(import.meta.url);
const { MerkleTree } = require('merkletreejs');
const N = Number(process.env.VERIFY_BENCH_N ?? 1_000_000);
const rows = [];
const log = (...a) => console.error(...a);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const key = await makeKey();
const keys = await importPublicKey(key.pair.publicKey);

// 1. One sealed bundle (tenant tree of 1,000, 40 tenants in the checkpoint).
{
  const bundle = await sealedBundle(key);
  for (const backend of ['webcrypto', 'noble']) {
    const report = await verifyEvidence(bundle, { keys, backend });
    if (!report.ok) throw new Error(`bench bundle does not verify: ${JSON.stringify(report)}`);
    const times = [];
    for (let i = 0; i < 2200; i++) {
      const t = performance.now();
      await verifyEvidence(bundle, { keys, backend });
      if (i >= 200) times.push(performance.now() - t);
    }
    const ms = median(times);
    rows.push({ name: `verify one sealed bundle (${backend}, median of 2,000)`, value: ms * 1000, unit: 'µs', target: backend === 'webcrypto' ? '≤ 1 ms (Chromium)' : undefined, ok: backend === 'webcrypto' ? ms <= 1 : undefined });
  }
}

// 1b. One sealed v2 bundle (tenant log of 1,000, root log of 2,000), with the v1 figure above as its peer.
const keysV2 = await v2Keys(key);
const now = Date.parse('2030-01-01T00:00:00.000Z'); // after the cosignatures' time
{
  const bundle = await v2Bundle(key, keysV2);
  const v1 = rows.find((r) => r.name.startsWith('verify one sealed bundle (webcrypto'));
  for (const [label, trust] of [['pinned key alone', { keys }], ['policy: the log\'s 2 note keys', { policy: parsePolicy(keysV2.policyNone) }], ['policy: 2-of-3 witness quorum', { policy: parsePolicy(keysV2.policy2of3) }]]) {
    const report = await verifyEvidence(bundle, { ...trust, now });
    if (!report.ok) throw new Error(`v2 bench bundle does not verify: ${JSON.stringify(report.checks)}`);
    const times = [];
    for (let i = 0; i < 2200; i++) {
      const t = performance.now();
      await verifyEvidence(bundle, { ...trust, now });
      if (i >= 200) times.push(performance.now() - t);
    }
    const ms = median(times);
    rows.push({ name: `verify one sealed v2 bundle, ${label} (webcrypto, median of 2,000)`, value: ms * 1000, unit: 'µs', peer: 'v1 bundle', peerValue: v1.value, peerUnit: 'µs' });
  }
}

// The receipts of one period, their hashes, and its signed head (a one-tenant checkpoint).
// The period's receipts live only until the export is made: an auditor holds the export, not a million
// objects, and a million live objects here would slow every garbage collection inside the measures.
log(`making ${N.toLocaleString('en')} receipts…`);
let statements = receiptStatements('acme.eu', N, key.kid);
const firstStatement = statements[0];
const leafBytes = new Uint8Array(32 * N);
statements.forEach((s, i) => leafBytes.set(receiptHash(s), 32 * i));
const leafViews = () => Array.from({ length: N }, (_, i) => leafBytes.subarray(32 * i, 32 * i + 32));
const sealed = await signedPeriodHead(key, 'acme.eu', leafViews());
const { tenant_head } = sealed;

// 2. The export as GET /export sends it: NDJSON in leaf order, as 64 KiB byte chunks (a fetch body or a file).
// One real signature stands in for each receipt's (signatures are not verified by this measure).
{
  const signature = await key.sign(firstStatement);
  const toChunks = (order) => {
    const chunks = [];
    let parts = [];
    let size = 0;
    for (const i of order) {
      const s = statements[i];
      const line = `${JSON.stringify({ ...s, ok: true, trace_id: `tr-${i}`, signature_b64url: signature })}\n`;
      parts.push(line);
      size += line.length;
      if (size >= 65536) {
        chunks.push(Buffer.from(parts.join('')));
        parts = [];
        size = 0;
      }
    }
    if (parts.length) chunks.push(Buffer.from(parts.join('')));
    return chunks;
  };
  const inOrder = toChunks(statements.keys());
  const mb = inOrder.reduce((n, c) => n + c.length, 0) / 2 ** 20;
  const shuffledOrder = Array.from(statements.keys());
  for (let i = shuffledOrder.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [shuffledOrder[i], shuffledOrder[j]] = [shuffledOrder[j], shuffledOrder[i]];
  }
  const shuffled = toChunks(shuffledOrder);
  statements = undefined;
  for (const [label, chunks] of [['leaf order', inOrder], ['shuffled', shuffled]]) {
    const rates = [];
    for (let run = 0; run < 2; run++) {
      globalThis.gc?.();
      const t = performance.now();
      const report = await auditPeriod(chunks, sealed, { keys });
      const seconds = (performance.now() - t) / 1000;
      if (!report.ok || !report.headProven || report.count !== N) throw new Error(`audit failed: ${JSON.stringify(report).slice(0, 400)}`);
      rates.push(N / seconds);
    }
    const rate = Math.max(...rates);
    rows.push({
      name: `audit a period export of ${N.toLocaleString('en')} receipts, ${mb.toFixed(0)} MiB NDJSON, ${label} (best of 2)`,
      value: rate, unit: 'receipts/s', target: label === 'leaf order' ? '≥ 200,000/s (Node)' : undefined, ok: label === 'leaf order' ? rate >= 200_000 : undefined,
    });
  }
}

// 2a. The v2 export of as many receipts (after 12,345 earlier ones: a frontier of 6 hashes), audited
// by auditExport from the same 64 KiB chunks, beside the v1 audit of the same count just measured.
{
  const v1 = rows.find((r) => r.name.includes('leaf order'));
  const { chunks } = await v2Export(key, keysV2, N);
  const policy = parsePolicy(keysV2.policy2of3);
  const rates = [];
  for (let run = 0; run < 3; run++) {
    globalThis.gc?.();
    const t = performance.now();
    const report = await auditExport(chunks, { policy, now });
    const seconds = (performance.now() - t) / 1000;
    if (!report.ok || report.count !== N) throw new Error(`v2 audit failed: ${JSON.stringify(report).slice(0, 400)}`);
    rates.push(N / seconds);
  }
  const rate = Math.max(...rates);
  const mb = chunks.reduce((n, c) => n + c.length, 0) / 2 ** 20;
  rows.push({
    name: `audit a v2 period export of ${N.toLocaleString('en')} receipts, ${mb.toFixed(0)} MiB NDJSON, streamed, signatures off (best of 3)`,
    value: rate, unit: 'receipts/s', target: '≥ 400,000/s (Node)', peer: 'v1 auditPeriod, same count', peerValue: v1.value, peerUnit: 'receipts/s', ok: rate >= 400_000,
  });
}

// 2b. The same with every receipt signature verified (verifySignatures), on a smaller period signed for real.
{
  const n = 10_000;
  const signed = await Promise.all(
    receiptStatements('acme.eu', n, key.kid).map(async (s, i) => ({ ...s, ok: true, trace_id: `tr-${i}`, signature_b64url: await key.sign(s) })),
  );
  const head = { ...tenant_head, tree_size: n, root_b64url: b64uEncode(merkleRoot(signed.map(receiptHash))) };
  const t = performance.now();
  const report = await auditPeriod(signed, head, { keys, verifySignatures: true });
  const seconds = (performance.now() - t) / 1000;
  if (!report.ok || report.checks.signatures?.ok !== true) throw new Error(`signed audit failed: ${JSON.stringify(report).slice(0, 400)}`);
  rows.push({ name: `audit ${n.toLocaleString('en')} receipts with every signature verified (WebCrypto)`, value: n / seconds, unit: 'receipts/s' });
}

// 3. Root rebuild from the receipt hashes, against merkletreejs on the same leaves. merkletreejs pairs
// bottom-up and promotes an odd last node, which is RFC 9162's shape; it has no domain separation, so
// its hash function adds RFC 9162's 0x00 (leaf, 32 bytes in) or 0x01 (node, 64 bytes in) prefix:
// both must give the same root.
{
  const leaves = leafViews();
  const rates = [];
  let root;
  for (let run = 0; run < 3; run++) {
    const t = performance.now();
    root = merkleRoot(leaves);
    rates.push(N / ((performance.now() - t) / 1000));
  }
  const P0 = Buffer.from([0]);
  const P1 = Buffer.from([1]);
  const rfc9162 = (data) => createHash('sha256').update(data.length === 64 ? P1 : P0).update(data).digest();
  const buffers = leaves.map((l) => Buffer.from(l.buffer, l.byteOffset, 32));
  const t = performance.now();
  const tree = new MerkleTree(buffers, rfc9162, { hashLeaves: true });
  const peerRate = N / ((performance.now() - t) / 1000);
  if (tree.getRoot().toString('base64url') !== b64uEncode(root)) throw new Error('merkletreejs built another root');
  const rate = Math.max(...rates);
  rows.push({ name: `rebuild a root from ${N.toLocaleString('en')} receipt hashes (best of 3)`, value: rate, unit: 'leaves/s', target: '≥ 1,000,000/s (Node)', ok: rate >= 1_000_000 });
  rows.push({ name: 'root rebuild vs merkletreejs (same leaves, same root)', value: rate / peerRate, unit: '×', target: '≥ 2.5×', peer: 'merkletreejs', peerValue: peerRate, peerUnit: 'leaves/s', ok: rate / peerRate >= 2.5 });
}

// 4. ES256: the same key, signature and bytes (a JWS signing input over a receipt statement) through jose and through us.
{
  const protectedHeader = b64uEncode(new TextEncoder().encode(JSON.stringify({ alg: 'ES256', kid: key.kid })));
  const payload = b64uEncode(canonicalBytes(firstStatement));
  const signingInput = new TextEncoder().encode(`${protectedHeader}.${payload}`);
  const raw = await key.signRaw(signingInput);
  const der = rawToDer(raw);
  const jws = { protected: protectedHeader, payload, signature: b64uEncode(raw) };
  const cases = {
    jose: () => flattenedVerify(jws, key.pair.publicKey),
    raw: () => verifySignature({ key: keys, signature: raw, format: 'raw', message: signingInput }),
    der: () => verifySignature({ key: keys, signature: der, message: signingInput }),
  };
  for (const run of Object.values(cases)) if ((await run()) === false) throw new Error('ES256 case does not verify');
  const totals = { jose: 0, raw: 0, der: 0 };
  const ROUNDS = 12;
  const EACH = 400;
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of Object.entries(cases)) {
      const t = performance.now();
      for (let i = 0; i < EACH; i++) await run();
      if (round > 0) totals[name] += performance.now() - t;
    }
  }
  const perSecond = (name) => ((ROUNDS - 1) * EACH) / (totals[name] / 1000);
  for (const name of ['raw', 'der']) {
    const ratio = totals[name] / totals.jose;
    rows.push({
      name: `ES256 verify, ${name === 'raw' ? 'raw r‖s' : 'DER (the wire form)'}: time vs jose flattenedVerify`, value: ratio, unit: '×',
      target: '≤ 1.2×', peer: 'jose', peerValue: perSecond('jose'), peerUnit: 'verifies/s', ok: ratio <= 1.2,
    });
    rows.push({ name: `ES256 verify, ${name === 'raw' ? 'raw r‖s' : 'DER'}`, value: perSecond(name), unit: 'verifies/s' });
  }
}

const width = Math.max(...rows.map((r) => r.name.length));
const fmt = (v) => (Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en') : v.toPrecision(3));
console.log(`${'measure'.padEnd(width)}  ${'value'.padStart(16)}  target`);
for (const r of rows) {
  const mark = r.ok === undefined ? '' : r.ok ? '  ok' : '  MISSED';
  console.log(`${r.name.padEnd(width)}  ${`${fmt(r.value)} ${r.unit}`.padStart(16)}  ${r.target ?? ''}${mark}`);
}
console.log(JSON.stringify({ rows: rows.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined))) }));
