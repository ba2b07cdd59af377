#!/usr/bin/env node
// In-browser figures over the BUILT package (run `npm run build` first), in
// Debian's Chromium through Playwright, against the reference server on 127.0.0.1:
//   1. record() main-thread cost (dist/browser/aegislog.js, IndexedDB queue)
//   2. time to make 10,000 events durable in IndexedDB
//   3. one sealed evidence bundle verified (dist/browser/aegislog-verify.js): v1, and v2 under
//      a policy of the log's two note keys and under a 2-of-3 witness quorum
//   4. a period export audited: v1 against its signed head, v2 self-contained (auditExport)
// Targets: docs/ARCHITECTURE.md. Prints a table, then one JSON line of rows for bench/run.mjs.
import { chromium } from '@playwright/test';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, listen, localSigner, memoryStore } from '../dist/esm/server-node.js';
import { receiptHash } from '../dist/esm/verify.js';
import { ensureChromium, launchOptions } from '../e2e/chromium.mjs';
import { makeKey, receiptStatements, sealedBundle, signedPeriodHead } from './lib/verify-fixtures.mjs';
import { v2Bundle, v2Export, v2Keys } from './lib/verify-fixtures-v2.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const AUDIT_N = Number(process.env.BROWSER_AUDIT_N ?? 200_000);
const rows = [];
const log = (...a) => console.error(...a);

ensureChromium();
const key = await makeKey();
const exportBody = await periodExport(key, AUDIT_N);
const keysV2 = await v2Keys(key);
const exportV2 = Buffer.concat((await v2Export(key, keysV2, AUDIT_N)).chunks);
const server = createServer({
  signer: await localSigner(),
  store: memoryStore(),
  keys: [{ key: `ak_ingest_${'b'.repeat(24)}`, tenant_id: 'bench', scope: 'ingest', origins: ['*'] }],
  origin: 'bench.aegislog.test/log',
});
const bench = (request) => {
  const { pathname } = new URL(request.url);
  if (pathname === '/bench/export.ndjson') return new Response(exportBody.ndjson);
  if (pathname === '/bench/export-v2.ndjson') return new Response(exportV2);
  return server(request);
};
const http = await listen(bench, { port: 0, staticFiles: { prefix: '/repo/', dir: ROOT } });
const browser = await chromium.launch(launchOptions());

try {
  // 1 and 2: the client, nothing sent (no timer, no size-triggered flush), every event kept in IndexedDB.
  const query = new URLSearchParams({ endpoint: http.url, key: `ak_ingest_${'b'.repeat(24)}`, tenant: 'bench', batchSize: 1e9, flushInterval: 0, maxQueueSize: 1e9 });
  const durable = [];
  let cost;
  for (let run = 0; run < 3; run++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${http.url}/repo/e2e/pages/client.html?${query}`);
    await page.waitForFunction(() => window.harness !== undefined);
    durable.push(await page.evaluate(() => window.harness.timeToDurable(10_000)));
    if (run === 0) {
      await page.evaluate(() => window.harness.recordCost(20, 500)); // warm-up
      cost = await page.evaluate(() => window.harness.recordCost(200, 100));
    }
    await context.close();
  }
  rows.push({ name: 'record() main-thread cost in Chromium (median of 200 rounds of 100)', value: cost.median, unit: 'µs', target: '≤ 5 µs', ok: cost.median <= 5 });
  rows.push({ name: 'record() main-thread cost in Chromium (p95 of the rounds)', value: cost.p95, unit: 'µs' });
  const best = Math.min(...durable);
  rows.push({ name: '10,000 events recorded and durable in IndexedDB (best of 3 fresh pages)', value: best, unit: 'ms', target: '≤ 500 ms', ok: best <= 500 });

  // 3 and 4: the verifier.
  const page = await browser.newPage();
  await page.goto(`${http.url}/repo/e2e/pages/verify.html`);
  await page.waitForFunction(() => window.verifier !== undefined);
  const bundle = await sealedBundle(key);
  const jwk = await crypto.subtle.exportKey('jwk', key.pair.publicKey);
  const verifyMs = await page.evaluate(async ({ bundle, jwk }) => {
    const { importPublicKey, verifyEvidence } = window.verifier;
    const keys = await importPublicKey(jwk);
    const first = await verifyEvidence(bundle, { keys });
    if (!first.ok) throw new Error(`bench bundle does not verify: ${JSON.stringify(first.checks)}`);
    // Timed in batches of 100: Chromium coarsens performance.now() to 100 µs without cross-origin isolation.
    const times = [];
    for (let round = 0; round < 22; round++) {
      const t = performance.now();
      for (let i = 0; i < 100; i++) await verifyEvidence(bundle, { keys });
      if (round >= 2) times.push((performance.now() - t) / 100);
    }
    return times.sort((a, b) => a - b)[times.length >> 1];
  }, { bundle, jwk });
  rows.push({ name: 'verify one sealed bundle in Chromium (median of 20 rounds of 100)', value: verifyMs * 1000, unit: 'µs', target: '≤ 1 ms', ok: verifyMs <= 1 });

  const rate = await page.evaluate(async ({ target, jwk, n }) => {
    const { importPublicKey, auditPeriod } = window.verifier;
    const keys = await importPublicKey(jwk);
    const rates = [];
    for (let run = 0; run < 2; run++) {
      const response = await fetch('/bench/export.ndjson');
      const bytes = new Uint8Array(await response.arrayBuffer()); // downloaded first: the audit is timed, not the transfer
      const t = performance.now();
      const report = await auditPeriod([bytes], target, { keys });
      if (!report.ok || report.count !== n) throw new Error(`audit failed: ${report.reason}`);
      rates.push(n / ((performance.now() - t) / 1000));
    }
    return Math.max(...rates);
  }, { target: exportBody.target, jwk, n: AUDIT_N });
  rows.push({ name: `audit a period export of ${AUDIT_N.toLocaleString('en')} receipts in Chromium (best of 2)`, value: rate, unit: 'receipts/s', target: '≥ 100,000/s', ok: rate >= 100_000 });

  // Version 2: one bundle under a policy (the log's two note keys; then 2 of 3 witnesses), beside the v1 figure.
  const bundleV2 = await v2Bundle(key, keysV2);
  const v1Ms = verifyMs;
  for (const [label, policy, target] of [['policy: the log\'s 2 note keys', keysV2.policyNone, 1], ['policy: 2-of-3 witness quorum', keysV2.policy2of3, 1.5]]) {
    const ms = await page.evaluate(async ({ bundle, policy }) => {
      const { parsePolicy, verifyEvidence } = window.verifier;
      const trust = { policy: parsePolicy(policy), now: Date.parse('2030-01-01T00:00:00.000Z') };
      const first = await verifyEvidence(bundle, trust);
      if (!first.ok) throw new Error(`v2 bench bundle does not verify: ${JSON.stringify(first.checks)}`);
      const times = [];
      for (let round = 0; round < 22; round++) {
        const t = performance.now();
        for (let i = 0; i < 100; i++) await verifyEvidence(bundle, trust);
        if (round >= 2) times.push((performance.now() - t) / 100);
      }
      return times.sort((a, b) => a - b)[times.length >> 1];
    }, { bundle: bundleV2, policy });
    rows.push({ name: `verify one sealed v2 bundle in Chromium, ${label} (median of 20 rounds of 100)`, value: ms * 1000, unit: 'µs', target: `≤ ${target} ms`, ok: ms <= target, peer: 'v1 bundle', peerValue: v1Ms * 1000, peerUnit: 'µs' });
  }

  // Version 2: the export streamed from a Blob (as a dropped file is), beside the v1 audit above.
  const rateV2 = await page.evaluate(async ({ policy, n }) => {
    const { auditExport } = window.verifier;
    const response = await fetch('/bench/export-v2.ndjson');
    const blob = await response.blob(); // downloaded first: the audit is timed, not the transfer
    const rates = [];
    for (let run = 0; run < 2; run++) {
      const t = performance.now();
      const report = await auditExport(blob, { policy, now: Date.parse('2030-01-01T00:00:00.000Z') });
      if (!report.ok || report.count !== n) throw new Error(`v2 audit failed: ${report.reason}`);
      rates.push(n / ((performance.now() - t) / 1000));
    }
    return Math.max(...rates);
  }, { policy: keysV2.policy2of3, n: AUDIT_N });
  rows.push({
    name: `audit a v2 period export of ${AUDIT_N.toLocaleString('en')} receipts in Chromium, streamed from a Blob (best of 2)`, value: rateV2, unit: 'receipts/s',
    target: '≥ 200,000/s', ok: rateV2 >= 200_000, peer: 'v1 auditPeriod, same count', peerValue: rate, peerUnit: 'receipts/s',
  });
} finally {
  await browser.close();
  await http.close();
}

const width = Math.max(...rows.map((r) => r.name.length));
for (const r of rows) log(`${r.name.padEnd(width)}  ${r.value.toLocaleString('en', { maximumFractionDigits: 2 })} ${r.unit}${r.target ? `  (target ${r.target}: ${r.ok ? 'met' : 'NOT met'})` : ''}`);
console.log(JSON.stringify(rows));

/** NDJSON receipts of one period in leaf order and the signed target (head + proof) they must rebuild. */
async function periodExport(key, n) {
  const statements = receiptStatements('bench.eu', n, key.kid);
  const signature = await key.sign(statements[0]); // one real signature stands in for each (not verified by this measure)
  const ndjson = statements.map((s, i) => JSON.stringify({ ...s, ok: true, trace_id: `tr-${i}`, signature_b64url: signature })).join('\n');
  const target = await signedPeriodHead(key, 'bench.eu', statements.map(receiptHash));
  return { ndjson, target };
}
