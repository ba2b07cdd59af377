#!/usr/bin/env node
// `aegislog audit` end to end over the BUILT package (run `npm run build` first):
// a period export of 1,000,000 receipts written to a file, then the real command
// (node bin/aegislog.mjs audit) run on it as a child process: version 1 in leaf
// order and shuffled, then version 2 (a self-contained export) of 10^6 and of
// 10^7 receipts: wall time, receipts/s and the child's peak memory (the export
// must be streamed, never held whole: the v2 audit keeps O(log n)). Then
// `aegislog audit --gaps` on an export of 200,000 receipts with their events, in
// leaf order (as GET /export sends it) and in three orders a re-sorted or crafted
// file may have: shuffled, descending, and even leaves before odd ones.
// AUDIT_BENCH_N, AUDIT_BENCH_BIG_N and GAPS_BENCH_N change the counts;
// AUDIT_BENCH_PARTS (v1,v2,gaps by default) picks the parts to run.
// Prints a table, then one JSON line of rows for bench/run.mjs.
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { b64uEncode, eventDigest, receiptHash } from '../dist/esm/verify.js';
import { writeBigExport } from './lib/big-export.mjs';
import { makeKey, receiptStatements, signedPeriodHead } from './lib/verify-fixtures.mjs';
import { v2Keys } from './lib/verify-fixtures-v2.mjs';

const N = Number(process.env.AUDIT_BENCH_N ?? 1_000_000);
const BIG_N = Number(process.env.AUDIT_BENCH_BIG_N ?? 10_000_000);
const GAPS_N = Number(process.env.GAPS_BENCH_N ?? 200_000);
const PARTS = (process.env.AUDIT_BENCH_PARTS ?? 'v1,v2,gaps').split(',');
const BIN = join(dirname(fileURLToPath(import.meta.url)), '../bin/aegislog.mjs');
const dir = mkdtempSync(join(tmpdir(), 'aegislog-audit-bench-'));
const log = (...a) => console.error(...a);
const rows = [];

try {
  log(`making ${N.toLocaleString('en')} receipts…`);
  const key = await makeKey();
  const statements = receiptStatements('acme.eu', N, key.kid);
  const head = await signedPeriodHead(key, 'acme.eu', statements.map(receiptHash));
  const { checkpoint } = head;
  const files = {
    key: join(dir, 'key.jwk.json'),
    checkpoints: join(dir, 'checkpoints.json'),
    head: join(dir, 'head.json'),
  };
  writeFileSync(files.key, JSON.stringify(await crypto.subtle.exportKey('jwk', key.pair.publicKey)));
  writeFileSync(files.checkpoints, JSON.stringify({ checkpoints: [checkpoint] }));
  writeFileSync(files.head, JSON.stringify(head));

  // One real signature stands in for every receipt's: signing a million takes minutes, and
  // the audit without --signatures proves the receipts through the signed head.
  const signature = await key.sign(statements[0]);
  const order = Array.from(statements.keys());
  const shuffled = [...order];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  for (const [label, indexes] of PARTS.includes('v1') ? [['leaf order', order], ['shuffled', shuffled]] : []) {
    const exportFile = join(dir, `export-${label.replace(' ', '-')}.ndjson`);
    await writeExport(exportFile, indexes.map((i) => ({ ...statements[i], ok: true, trace_id: `tr-${i}`, signature_b64url: signature })));
    flushWrites();
    const mb = statSync(exportFile).size / 2 ** 20;
    const args = ['audit', '--export', exportFile, '--checkpoints', files.checkpoints, '--head', files.head, '--key', files.key];
    const t = performance.now();
    // /usr/bin/time -f %M: the child's peak resident set, in KiB.
    const run = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, BIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
    const seconds = (performance.now() - t) / 1000;
    if (run.status !== 0) throw new Error(`audit exited ${run.status}: ${run.stdout}\n${run.stderr}`);
    const peakMiB = Number(run.stderr.trim().split('\n').at(-1)) / 1024;
    log(run.stdout.trim());
    rows.push({
      name: `aegislog audit, ${N.toLocaleString('en')} receipts (${mb.toFixed(0)} MiB NDJSON file), ${label}, whole command`,
      value: N / seconds, unit: 'receipts/s', target: label === 'leaf order' ? '≥ 200,000/s (Node)' : undefined, ok: label === 'leaf order' ? N / seconds >= 200_000 : undefined,
    });
    rows.push({ name: `aegislog audit, ${label}: peak memory of the process`, value: peakMiB, unit: 'MiB' });
    rmSync(exportFile);
  }

  // Version 2: the export carries its proof; the command needs only the policy.
  const keysV2 = await v2Keys(key);
  const policy = join(dir, 'policy.txt');
  writeFileSync(policy, keysV2.policy2of3);
  const v1Rate = rows.find((r) => r.name.includes('leaf order, whole command'))?.value;
  for (const n of PARTS.includes('v2') ? [N, BIG_N] : []) {
    const exportFile = join(dir, `export-v2-${n}.ndjson`);
    log(`writing a v2 export of ${n.toLocaleString('en')} receipts…`);
    const bytes = await writeBigExport(exportFile, key, keysV2, n);
    flushWrites();
    const t = performance.now();
    const run = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, BIN, 'audit', exportFile, '--policy', policy, '--now', '2030-01-01T00:00:00.000Z'], { encoding: 'utf8', maxBuffer: 1 << 24 });
    const seconds = (performance.now() - t) / 1000;
    if (run.status !== 0) throw new Error(`v2 audit exited ${run.status}: ${run.stdout}\n${run.stderr}`);
    const peakMiB = Number(run.stderr.trim().split('\n').at(-1)) / 1024;
    log(run.stdout.trim().split('\n').at(-1));
    rows.push({
      name: `aegislog audit EXPORT (v2), ${n.toLocaleString('en')} receipts (${(bytes / 2 ** 20).toFixed(0)} MiB file), whole command`,
      value: n / seconds, unit: 'receipts/s', target: '≥ 400,000/s (Node)', ok: n / seconds >= 400_000,
      ...(n === N && v1Rate ? { peer: 'v1 audit, same count', peerValue: v1Rate, peerUnit: 'receipts/s' } : {}),
    });
    rows.push({ name: `aegislog audit EXPORT (v2), ${n.toLocaleString('en')} receipts: peak memory of the process`, value: peakMiB, unit: 'MiB', target: 'bounded (flat in n)' });
    rmSync(exportFile);
  }

  // `--gaps`: the loss count, which refuses an entry of the tenant log given twice. A file in another
  // order than the log's must cost no more than n log n: shuffled, descending, evens then odds.
  if (PARTS.includes('gaps')) {
    const leaves = Array.from({ length: GAPS_N }, (_, i) => i);
    const orders = [
      ['leaf order', leaves],
      ['shuffled', shuffle([...leaves])],
      ['descending', [...leaves].reverse()],
      ['even leaves, then odd', [...leaves.filter((i) => i % 2 === 0), ...leaves.filter((i) => i % 2 === 1)]],
    ];
    for (const [label, indexes] of orders) {
      const exportFile = join(dir, 'gaps.ndjson');
      await writeLines(exportFile, [gapsHeader(), ...indexes.map(gapsLine)]);
      flushWrites();
      const mb = statSync(exportFile).size / 2 ** 20;
      const t = performance.now();
      const run = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, BIN, 'audit', '--gaps', exportFile], { encoding: 'utf8', maxBuffer: 1 << 24 });
      const seconds = (performance.now() - t) / 1000;
      if (run.status !== 0) throw new Error(`audit --gaps exited ${run.status}: ${run.stdout}\n${run.stderr}`);
      const peakMiB = Number(run.stderr.trim().split('\n').at(-1)) / 1024;
      log(run.stdout.trim().split('\n').at(-1));
      rows.push({ name: `aegislog audit --gaps, ${GAPS_N.toLocaleString('en')} events (${mb.toFixed(0)} MiB file), ${label}, whole command`, value: GAPS_N / seconds, unit: 'events/s' });
      rows.push({ name: `aegislog audit --gaps, ${label}: peak memory of the process`, value: peakMiB, unit: 'MiB' });
      rmSync(exportFile);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

for (const r of rows) log(`${r.name.padEnd(96)} ${Math.round(r.value).toLocaleString('en')} ${r.unit}`);
console.log(JSON.stringify(rows));

function shuffle(list) {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [list[i], list[j]] = [list[j], list[i]];
  }
  return list;
}

function gapsHeader() {
  return JSON.stringify({ v: 2, kind: 'aegislog-export', origin: 'bench.test/log', tenant_id: 'acme.eu', tenant_head: null });
}

/** A receipt line with its event (the fields `--gaps` reads; the receipt's signature is not checked there). */
function gapsLine(leaf) {
  const event = {
    event_id: `evt-${leaf}`, tenant_id: 'acme.eu', event_type: 'model_inference', occurred_at: '2026-11-27T10:00:00.000Z',
    client_id: 'c-bench', client_seq: leaf + 1, data: { model: 'bench-1', tokens: leaf % 977, decision: 'approved' },
  };
  return JSON.stringify({
    v: 2, tenant_id: 'acme.eu', event_id: event.event_id, digest_b64url: b64uEncode(eventDigest(event)), received_at: '2026-11-27T10:00:01.000Z',
    leaf_index: leaf, event,
  });
}

async function writeLines(path, lines) {
  const out = createWriteStream(path);
  for (let i = 0; i < lines.length; i += 10_000) {
    if (!out.write(`${lines.slice(i, i + 10_000).join('\n')}\n`)) await new Promise((resolve) => out.once('drain', resolve));
  }
  await new Promise((resolve, reject) => out.end((error) => (error ? reject(error) : resolve())));
}

/**
 * The kernel would flush the file just written (hundreds of MiB to GiB) while the audit runs, on the
 * same two cores: an auditor's copy of an export has no such backlog. Flushed before the command starts.
 */
function flushWrites() {
  spawnSync('sync');
}

async function writeExport(path, receipts) {
  const out = createWriteStream(path);
  for (let i = 0; i < receipts.length; i += 10_000) {
    const text = receipts.slice(i, i + 10_000).map((r) => `${JSON.stringify(r)}\n`).join('');
    if (!out.write(text)) await new Promise((resolve) => out.once('drain', resolve));
  }
  await new Promise((resolve, reject) => out.end((error) => (error ? reject(error) : resolve())));
}
