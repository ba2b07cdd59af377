// Reference server benchmark over the BUILT dist (run `npm run build` first):
// spawns `aegislog dev` on 127.0.0.1 with SQLite on disk in a temp dir, then
//  1. events/s through POST /ingest/batch (500 events a batch, 4 senders in flight),
//  2. p50/p99 latency of single POST /ingest at a fixed rate (open loop, 200 req/s for 10 s).
// The load generator shares the machine's cores with the server. Bounded in count and time.
// Usage: node bench/server-bench.mjs [--batches 80] [--senders 4] [--rate 200] [--seconds 10] [--sync full|normal]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { batches: { type: 'string' }, rate: { type: 'string' }, seconds: { type: 'string' }, senders: { type: 'string' }, sync: { type: 'string' } },
});
const BATCHES = Number(values.batches ?? 80);
const BATCH = 500;
const SENDERS = Number(values.senders ?? 4);
const RATE = Number(values.rate ?? 200);
const SECONDS = Number(values.seconds ?? 10);
const SYNC = values.sync ?? 'full';

const dir = mkdtempSync(join(tmpdir(), 'aegislog-bench-'));
// --rate-limit 0 and no per-client connection limit: the bench measures one client's load with one key, which the
// defaults would cap (the open-loop phase keeps more than 100 requests in flight when the machine is loaded).
const child = spawn(process.execPath, [new URL('../bin/aegislog.mjs', import.meta.url).pathname, 'dev', '--port', '0', '--data', dir, '--sync', SYNC, '--rate-limit', '0', '--max-connections-per-client', '0'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const stop = () => {
  if (child.exitCode === null) child.kill('SIGTERM');
};
process.on('exit', () => {
  stop();
  rmSync(dir, { recursive: true, force: true });
});

const url = await new Promise((done, fail) => {
  let out = '';
  const timer = setTimeout(() => fail(new Error(`server did not start:\n${out}`)), 15_000);
  child.stdout.on('data', (d) => {
    out += d;
    const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    if (m) {
      clearTimeout(timer);
      done(m[1]);
    }
  });
  child.once('exit', () => fail(new Error(`server exited:\n${out}`)));
});
child.stdout.resume();
/** CPU seconds (user + system) the server process has used: contention-independent cost per event. */
const TICK = 100; // USER_HZ on Linux
const serverCpu = () => {
  const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICK;
};
const key = JSON.parse(readFileSync(join(dir, 'dev-keys.json'), 'utf8')).find((k) => k.scope === 'ingest').key;
const headers = { 'x-api-key': key, 'content-type': 'application/json' };

const event = (id) => ({
  event_type: 'model_inference',
  event_id: id,
  model_context: { model_id: 'gpt-4', model_version: '2026-01' },
  performance_metrics: { latency_ms: 234, confidence_score: 0.92, input_tokens: 150, output_tokens: 200 },
  prompt: 'What is the return policy for opened items?',
  output: 'Opened items can be returned within 30 days with a receipt.',
});

async function post(path, body) {
  const response = await fetch(url + path, { method: 'POST', headers, body });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${path}: ${response.status} ${text.slice(0, 200)}`);
  return text;
}

// Warm up (JIT, SQLite pages, WebCrypto key).
for (let i = 0; i < 3; i++) await post('/ingest/batch', JSON.stringify({ events: Array.from({ length: BATCH }, (_, j) => event(`warm-${i}-${j}`)) }));

// 1. Throughput through /ingest/batch. Bodies are prepared before the clock starts.
const bodies = Array.from({ length: BATCHES }, (_, b) => JSON.stringify({ events: Array.from({ length: BATCH }, (_, j) => event(`b${b}-${j}`)) }));
let next = 0;
let stored = 0;
const cpu0 = serverCpu();
const t0 = performance.now();
await Promise.all(
  Array.from({ length: SENDERS }, async () => {
    while (next < bodies.length) {
      const answer = JSON.parse(await post('/ingest/batch', bodies[next++]));
      if (answer.errors.length) throw new Error(JSON.stringify(answer.errors[0]));
      stored += answer.receipts.length;
    }
  }),
);
const batchSeconds = (performance.now() - t0) / 1000;
const batchCpuPerEvent = ((serverCpu() - cpu0) / stored) * 1e6;
const eventsPerSecond = stored / batchSeconds;

// 2. Single /ingest latency at a fixed rate (open loop: sends on schedule whatever the answers do).
const total = RATE * SECONDS;
const latencies = [];
const cpu1 = serverCpu();
const start = performance.now();
const inflight = [];
for (let i = 0; i < total; i++) {
  const due = start + (i * 1000) / RATE;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const sent = performance.now();
  inflight.push(post('/ingest', JSON.stringify(event(`single-${i}`))).then(() => latencies.push(performance.now() - sent)));
}
await Promise.all(inflight);
const singleCpuPerRequest = ((serverCpu() - cpu1) / total) * 1e6;
const achievedRate = total / ((performance.now() - start) / 1000);
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];

const result = {
  bench: 'server',
  storage: `sqlite on disk, WAL, synchronous=${SYNC}`,
  batch_events: stored,
  batch_seconds: +batchSeconds.toFixed(3),
  events_per_second: Math.round(eventsPerSecond),
  server_cpu_us_per_batched_event: Math.round(batchCpuPerEvent),
  target_events_per_second: 15000,
  single_requests: total,
  single_rate_target: RATE,
  single_rate_achieved: +achievedRate.toFixed(1),
  single_p50_ms: +pct(50).toFixed(2),
  single_p99_ms: +pct(99).toFixed(2),
  single_max_ms: +latencies.at(-1).toFixed(2),
  server_cpu_us_per_single_request: Math.round(singleCpuPerRequest),
  load_average_1m: +loadavg()[0].toFixed(2),
  cores: availableParallelism(),
};
console.log(`\nAegisLog reference server (aegislog dev, 127.0.0.1, SQLite on disk, synchronous=${SYNC})`);
console.log('| measure | value |\n|---|---|');
console.log(`| /ingest/batch throughput (${BATCHES} x ${BATCH} events, ${SENDERS} in flight) | ${result.events_per_second} events/s (target >= 15,000, issue 10) |`);
console.log(`| server CPU per batched event | ${result.server_cpu_us_per_batched_event} µs |`);
console.log(`| /ingest at ${RATE} req/s for ${SECONDS} s (achieved ${result.single_rate_achieved}) | p50 ${result.single_p50_ms} ms, p99 ${result.single_p99_ms} ms, max ${result.single_max_ms} ms |`);
console.log(`| server CPU per single /ingest | ${result.server_cpu_us_per_single_request} µs |`);
console.log(`| machine | ${result.cores} cores, load average ${result.load_average_1m} at the end (other processes share these cores) |`);
console.log(JSON.stringify(result));
// Rows for `npm run bench` (bench/run.mjs reads the last JSON line).
console.log(JSON.stringify([
  { name: `/ingest/batch throughput, SQLite on disk (synchronous=${SYNC})`, value: result.events_per_second, unit: 'events/s', target: '≥ 15,000', ok: result.events_per_second >= 15000 },
  { name: `single /ingest at ${RATE} req/s: p50`, value: result.single_p50_ms, unit: 'ms' },
  { name: `single /ingest at ${RATE} req/s: p99`, value: result.single_p99_ms, unit: 'ms' },
  { name: 'server CPU per batched event', value: result.server_cpu_us_per_batched_event, unit: 'µs' },
]));
stop();
await new Promise((r) => child.once('exit', r));
