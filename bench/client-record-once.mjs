// record() cost in Node, over the built dist/esm (run `npm run build` first): each call timed alone,
// for two events: "small" (what the e2e harness records in Chromium: two payload fields and a
// model_context) and "rich" (a model call with four contexts, as the README's example records:
// model_context, policy_context, performance_metrics, human_intervention). Also the time to make
// 10,000 records durable in the memory queue, and a calibration of this machine. The Chromium
// figures are in bench/client-browser-bench.mjs. Target (issue 15): median <= 4 µs.
// One process's run: bench/client-record-bench.mjs runs it in several processes and takes the median.
import { AegisLog, memoryQueue } from '../dist/esm/index.js';
import { cpus, loadavg } from 'node:os';

const ROUNDS = 12;
const PER_ROUND = 10_000;
const noNetwork = () => Promise.reject(new Error('the benchmark sends nothing'));

const cases = {
  small: {
    payload: (i) => ({ prompt_chars: i, route: '/chat' }),
    options: { model_context: { model_id: 'demo-llm', model_version: '1' } },
  },
  rich: {
    payload: (i) => ({ prompt: 'What is the return policy?', answer_chars: 180 + (i % 50), cached: false }),
    options: {
      model_context: { model_id: 'gpt-4o', model_version: '2024-08-06', model_type: 'llm' },
      policy_context: { policy_name: 'moderation', policy_version: '2.1.0', policy_hash: `sha256:${'ab'.repeat(32)}` },
      performance_metrics: { latency_ms: 812, confidence_score: 0.92, input_tokens: 150, output_tokens: 200 },
      human_intervention: { required: false },
    },
  },
};

const at = (list, q) => list[Math.min(list.length - 1, Math.floor(q * list.length))];
const results = {};
for (const [name, { payload, options }] of Object.entries(cases)) {
  const samples = [];
  const durable = [];
  for (let round = 0; round < ROUNDS; round++) {
    const log = new AegisLog({
      endpoint: 'https://aegislog.example.com', tenantId: 'acme', apiKey: 'ingest-key', queue: memoryQueue(), flushInterval: 0,
      batchSize: Number.MAX_SAFE_INTEGER, maxQueueSize: Number.MAX_SAFE_INTEGER, fetch: noNetwork, onError: () => {}, retry: { attempts: 0 },
    });
    const started = performance.now();
    for (let i = 0; i < PER_ROUND; i++) {
      const p = payload(i);
      const t0 = process.hrtime.bigint();
      log.record('model_inference', p, options);
      const t1 = process.hrtime.bigint();
      if (round > 1) samples.push(Number(t1 - t0) / 1000); // the first two rounds warm the JIT up
    }
    await log.durable();
    if (round > 1) durable.push(performance.now() - started);
    if (log.stats().queued !== PER_ROUND) throw new Error(`expected ${PER_ROUND} queued, got ${log.stats().queued}`);
    await log.close(); // its one flush fails at once (no network, no retries)
  }
  samples.sort((a, b) => a - b);
  durable.sort((a, b) => a - b);
  results[name] = { median: at(samples, 0.5), p90: at(samples, 0.9), p99: at(samples, 0.99), durable: at(durable, 0.5) };
}

// Calibration of this machine, now: JSON.stringify of the rich event (one serialisation is part of
// every record()), and an integer loop (about 1 ns per iteration on an idle 2.5 GHz core).
const event = { tenant_id: 'acme', event_type: 'model_inference', event_id: crypto.randomUUID(), trace_id: crypto.randomUUID(), recorded_at: new Date().toISOString(), ...cases.rich.payload(0), ...cases.rich.options };
const calibration = [];
for (let i = 0; i < 200_000; i++) {
  const t0 = process.hrtime.bigint();
  JSON.stringify(event);
  const t1 = process.hrtime.bigint();
  if (i >= 20_000) calibration.push(Number(t1 - t0) / 1000);
}
calibration.sort((a, b) => a - b);
let sum = 0;
const loopStart = process.hrtime.bigint();
for (let i = 0; i < 1e8; i++) sum += i;
const loopNs = Number(process.hrtime.bigint() - loopStart) / 1e8;
if (sum < 0) console.log(sum);

const us = (v) => v.toFixed(2).padStart(7);
console.log(`record() in Node ${process.version}, each call timed alone (µs); load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`);
console.log('event   median      p90      p99   10,000 + durable() (ms, memory queue)');
for (const [name, r] of Object.entries(results)) console.log(`${name.padEnd(6)} ${us(r.median)}  ${us(r.p90)}  ${us(r.p99)}   ${r.durable.toFixed(1)}`);
console.log(`calibration: JSON.stringify of the rich event ${at(calibration, 0.5).toFixed(2)} µs; integer loop ${loopNs.toFixed(2)} ns/iteration`);
console.log(JSON.stringify({
  bench: 'client-record',
  runtime: `node ${process.version}`,
  load_average: +loadavg()[0].toFixed(2),
  record_us: Object.fromEntries(Object.entries(results).map(([k, r]) => [k, { median: +r.median.toFixed(3), p90: +r.p90.toFixed(3), p99: +r.p99.toFixed(3) }])),
  durable_10k_ms_memory: Object.fromEntries(Object.entries(results).map(([k, r]) => [k, +r.durable.toFixed(1)])),
  calibration: { stringify_rich_us: +at(calibration, 0.5).toFixed(3), loop_ns: +loopNs.toFixed(3) },
  target_median_us: 4,
  within_target: Object.fromEntries(Object.entries(results).map(([k, r]) => [k, r.median <= 4])),
}));
// Rows for `npm run bench` (bench/run.mjs reads the last JSON line).
console.log(JSON.stringify([
  ...Object.entries(results).map(([k, r]) => ({ name: `record() median in Node, ${k} event`, value: r.median, unit: 'µs', target: '≤ 4 µs', ok: r.median <= 4 })),
  ...Object.entries(results).map(([k, r]) => ({ name: `record() p99 in Node, ${k} event`, value: r.p99, unit: 'µs' })),
  { name: 'calibration: JSON.stringify of the rich event', value: at(calibration, 0.5), unit: 'µs' },
]));
