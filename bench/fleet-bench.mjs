// The stores side by side in one run, over the BUILT dist (run `npm run build` first):
// SQLite (`aegislog dev`, synchronous=full) and PostgreSQL (`aegislog serve` on a throwaway
// cluster from Debian's postgresql, fsync on) with 1 and with 3 processes on one database.
//  1. /ingest/batch events/s: --events events in batches of 500, 4 senders, round-robin over the processes;
//  2. single /ingest: --singles requests from 16 clients in a closed loop, round-robin: requests/s, p50, p99;
//  3. /evidence bundles/s on one tenant log of --log-size entries (SQLite and PostgreSQL with 1 process):
//     the log filled through /ingest/batch, sealed, then --reads random sealed bundles by 8 readers.
//     Default 250,000 entries: the same tile depth as 1,000,000 (3 levels of 256), so a bundle reads as
//     many tiles; --log-size 1000000 for the figure (filling it takes minutes per store).
// The load generator, the servers and PostgreSQL share the machine's cores. Bounded by count.
// Usage: node bench/fleet-bench.mjs [--events 100000] [--singles 3000] [--log-size 250000] [--reads 4000]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startPostgres } from '../scripts/pg-cluster.mjs';

const { values } = parseArgs({ options: { events: { type: 'string' }, singles: { type: 'string' }, 'log-size': { type: 'string' }, reads: { type: 'string' } } });
const EVENTS = Number(values.events ?? 100_000);
const SINGLES = Number(values.singles ?? 3000);
const LOG_SIZE = Number(values['log-size'] ?? 250_000);
const READS = Number(values.reads ?? 4000);
const BATCH = 500;
const BIN = new URL('../bin/aegislog.mjs', import.meta.url).pathname;
const ORIGIN = 'bench.example/log';
const INGEST = 'bench-ingest-key-000000001';
const ADMIN = 'bench-admin-key-0000000001';

const dir = mkdtempSync(join(tmpdir(), 'aegislog-fleet-bench-'));
const children = [];
let cluster;
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});
const keysFile = join(dir, 'api-keys.json');
writeFileSync(keysFile, JSON.stringify([{ key: INGEST, tenant_id: 'bench', scope: 'ingest' }, { key: ADMIN, tenant_id: '*', scope: 'admin' }]), { mode: 0o600 });
const made = spawnSync(process.execPath, [BIN, 'keygen', '--origin', ORIGIN, '--out', join(dir, 'keys')], { encoding: 'utf8' });
if (made.status !== 0) throw new Error(`keygen: ${made.stderr}`);

function startProcess(args) {
  const child = spawn(process.execPath, [BIN, ...args, '--port', '0', '--rate-limit', '0', '--max-connections-per-client', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((done, fail) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) done({ url: m[1], child });
    });
    child.once('exit', () => fail(new Error(`server exited:\n${out}`)));
  });
}
const stopAll = async (procs) => {
  for (const p of procs) {
    p.child.kill('SIGTERM');
    await new Promise((r) => (p.child.exitCode === null ? p.child.once('exit', r) : r()));
  }
};

const event = (id) => ({
  event_type: 'model_inference',
  event_id: id,
  model_context: { model_id: 'gpt-4', model_version: '2026-01' },
  performance_metrics: { latency_ms: 234, confidence_score: 0.92, input_tokens: 150, output_tokens: 200 },
  prompt: 'What is the return policy for opened items?',
  output: 'Opened items can be returned within 30 days with a receipt.',
});
async function call(url, path, key, body) {
  const response = await fetch(url + path, { method: body === undefined ? 'GET' : 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${path}: ${response.status} ${text.slice(0, 200)}`);
  return text;
}
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** `count` events through /ingest/batch from `first`, 4 senders, round-robin over `procs`: events/s. */
async function batches(procs, first, count) {
  let next = first;
  let turn = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (next < first + count) {
      const from = next;
      next += BATCH;
      const body = JSON.stringify({ events: Array.from({ length: Math.min(BATCH, first + count - from) }, (_, j) => event(`e${from + j}`)) });
      await call(procs[turn++ % procs.length].url, '/ingest/batch', INGEST, body);
    }
  }));
  return count / ((performance.now() - t0) / 1000);
}

/** SINGLES single /ingest requests, 16 clients in a closed loop: requests/s, p50, p99 (ms). */
async function singles(procs) {
  const latencies = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < SINGLES) {
      const i = next++;
      const sent = performance.now();
      await call(procs[i % procs.length].url, '/ingest', INGEST, JSON.stringify(event(`s${i}`)));
      latencies.push(performance.now() - sent);
    }
  }));
  const rate = SINGLES / ((performance.now() - t0) / 1000);
  latencies.sort((a, b) => a - b);
  return { rate, p50: pct(latencies, 50), p99: pct(latencies, 99) };
}

/** Fills the tenant log to LOG_SIZE (untimed), seals, then READS random /evidence bundles, 8 readers: bundles/s, p99. */
async function evidence(procs, already) {
  if (LOG_SIZE > already) await batches(procs, already, LOG_SIZE - already);
  await call(procs[0].url, '/admin/seal', ADMIN, '{}');
  const ids = Array.from({ length: READS }, () => `e${Math.floor(Math.random() * LOG_SIZE)}`);
  const latencies = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < READS) {
      const id = ids[next++];
      const sent = performance.now();
      const bundle = JSON.parse(await call(procs[0].url, `/evidence/${id}?tenant_id=bench`, ADMIN));
      if (bundle.status !== 'sealed') throw new Error(`${id} is ${bundle.status}`);
      latencies.push(performance.now() - sent);
    }
  }));
  const rate = READS / ((performance.now() - t0) / 1000);
  latencies.sort((a, b) => a - b);
  return { rate, p99: pct(latencies, 99) };
}

const results = {};
// SQLite: one process owns the folder.
{
  const sqlite = [await startProcess(['dev', '--data', join(dir, 'sqlite'), '--keys', keysFile, '--sync', 'full'])];
  results.sqlite = { batch: await batches(sqlite, 0, EVENTS), single: await singles(sqlite) };
  results.sqlite.evidence = await evidence(sqlite, EVENTS);
  await stopAll(sqlite);
}
cluster = await startPostgres();
try {
  const serve = (db) => ['serve', '--database-url', db, '--signing-key', join(dir, 'keys/private.jwk.json'), '--note-key', join(dir, 'keys/note-signing-key'), '--keys', keysFile, '--origin', ORIGIN];
  const one = [await startProcess(serve(cluster.createDatabase('bench_one')))];
  results.pg1 = { batch: await batches(one, 0, EVENTS), single: await singles(one) };
  results.pg1.evidence = await evidence(one, EVENTS);
  await stopAll(one);
  const threeDb = cluster.createDatabase('bench_three');
  const three = await Promise.all([0, 1, 2].map(() => startProcess(serve(threeDb))));
  results.pg3 = { batch: await batches(three, 0, EVENTS), single: await singles(three) };
  await stopAll(three);
} finally {
  await cluster.stop();
}

const load = +loadavg()[0].toFixed(2);
const rows = [];
const label = { sqlite: 'SQLite (aegislog dev, synchronous=full)', pg1: 'PostgreSQL, 1 serve process', pg3: 'PostgreSQL, 3 serve processes' };
for (const [k, r] of Object.entries(results)) {
  rows.push({ name: `${label[k]}: /ingest/batch, ${EVENTS.toLocaleString('en-US')} events`, value: Math.round(r.batch), unit: 'events/s', ...(k === 'sqlite' ? {} : { peer: 'SQLite', peerValue: Math.round(results.sqlite.batch), peerUnit: 'events/s' }) });
  rows.push({ name: `${label[k]}: single /ingest, 16 clients`, value: Math.round(r.single.rate), unit: 'events/s' });
  rows.push({ name: `${label[k]}: single /ingest p50 / p99`, value: `${r.single.p50.toFixed(1)} / ${r.single.p99.toFixed(1)}`, unit: 'ms' });
  if (r.evidence) rows.push({ name: `${label[k]}: /evidence on a ${LOG_SIZE.toLocaleString('en-US')}-entry tenant log, 8 readers (p99 ${r.evidence.p99.toFixed(1)} ms)`, value: Math.round(r.evidence.rate), unit: 'bundles/s' });
}
console.log(`\nStores side by side (${availableParallelism()} cores shared with the load generator and PostgreSQL; load average ${load} at the end)`);
console.log('| measure | value |\n|---|---|');
for (const r of rows) console.log(`| ${r.name} | ${typeof r.value === 'number' ? r.value.toLocaleString('en-US') : r.value} ${r.unit} |`);
console.log(JSON.stringify(rows));
