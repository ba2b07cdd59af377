// record() cost in Node, over the built dist/esm (run `npm run build` first): each call timed alone
// (a model-call event with model_context and performance_metrics, as the AI-app demo records), plus
// the time to make 10,000 records durable in the memory queue. The Chromium figure (IndexedDB) is
// in the e2e benchmark. Target: median <= 5 µs.
import { AegisLog, memoryQueue } from '../dist/esm/index.js';
import { cpus, loadavg } from 'node:os';

const ROUNDS = 20;
const PER_ROUND = 10_000;
const noNetwork = () => Promise.reject(new Error('the benchmark sends nothing'));

function client() {
  return new AegisLog({
    endpoint: 'https://aegislog.example.com', tenantId: 'acme', apiKey: 'ingest-key', queue: memoryQueue(),
    flushInterval: 0, batchSize: Number.MAX_SAFE_INTEGER, maxQueueSize: Number.MAX_SAFE_INTEGER, fetch: noNetwork, onError: () => {},
    retry: { attempts: 0 },
  });
}

const options = {
  model_context: { model_id: 'gpt-4o', model_version: '2024-08-06', model_type: 'llm' },
  performance_metrics: { latency_ms: 812, confidence_score: 0.92, input_tokens: 150, output_tokens: 200 },
};
const samples = [];
const durable = [];
for (let round = 0; round < ROUNDS; round++) {
  const log = client();
  const started = performance.now();
  for (let i = 0; i < PER_ROUND; i++) {
    const payload = { prompt: 'What is the return policy?', answer_chars: 180 + (i % 50), cached: false };
    const t0 = process.hrtime.bigint();
    log.record('model_inference', payload, options);
    const t1 = process.hrtime.bigint();
    if (round > 1) samples.push(Number(t1 - t0) / 1000); // the first two rounds warm the JIT up
  }
  await log.durable();
  if (round > 1) durable.push(performance.now() - started);
  if (log.stats().queued !== PER_ROUND) throw new Error(`expected ${PER_ROUND} queued, got ${log.stats().queued}`);
  await log.close(); // its one flush fails at once (no network, no retries)
}

// Calibration on this machine, now: JSON.stringify of the same event, timed the same way (one
// serialisation is part of every record(); on an idle laptop-class core it takes well under 1 µs).
const event = JSON.parse(JSON.stringify({ tenant_id: 'acme', event_type: 'model_inference', event_id: crypto.randomUUID(), trace_id: crypto.randomUUID(), recorded_at: new Date().toISOString(), prompt: 'What is the return policy?', answer_chars: 180, cached: false, ...options }));
const calibration = [];
for (let i = 0; i < 200_000; i++) {
  const t0 = process.hrtime.bigint();
  JSON.stringify(event);
  const t1 = process.hrtime.bigint();
  if (i >= 20_000) calibration.push(Number(t1 - t0) / 1000);
}
calibration.sort((a, b) => a - b);
// And the raw speed of this core now: an integer loop (about 1 ns per iteration on an idle 2.5 GHz core).
let sum = 0;
const loopStart = process.hrtime.bigint();
for (let i = 0; i < 1e8; i++) sum += i;
const loopNs = Number(process.hrtime.bigint() - loopStart) / 1e8;
if (sum < 0) console.log(sum);
samples.sort((a, b) => a - b);
durable.sort((a, b) => a - b);
const at = (list, q) => list[Math.min(list.length - 1, Math.floor(q * list.length))];
const us = (v) => v.toFixed(2).padStart(8);
console.log(`record() in Node ${process.version}, ${samples.length} calls timed one by one (µs); load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`);
console.log(`median ${us(at(samples, 0.5))}   p90 ${us(at(samples, 0.9))}   p99 ${us(at(samples, 0.99))}`);
console.log(`10,000 records + durable() in the memory queue: median ${at(durable, 0.5).toFixed(1)} ms`);
console.log(`calibration: JSON.stringify of the same event, median ${at(calibration, 0.5).toFixed(2)} µs; record() is ${(at(samples, 0.5) / at(calibration, 0.5)).toFixed(1)}× that; integer loop ${loopNs.toFixed(2)} ns/iteration`);
console.log(JSON.stringify({
  bench: 'client-record',
  runtime: `node ${process.version}`,
  load_average: +loadavg()[0].toFixed(2),
  record_us: { median: +at(samples, 0.5).toFixed(3), p90: +at(samples, 0.9).toFixed(3), p99: +at(samples, 0.99).toFixed(3) },
  durable_10k_ms_memory: +at(durable, 0.5).toFixed(2),
  calibration_stringify_us: +at(calibration, 0.5).toFixed(3),
  calibration_loop_ns: +loopNs.toFixed(3),
  target_median_us: 5,
  within_target: at(samples, 0.5) <= 5,
}));
