// Test and benchmark harness for dist/browser/aegislog.js (see client.html).
// Query: endpoint, key, tenant, batchSize, flushInterval, maxQueueSize, retryBase, retryMax.
import { AegisLog } from '../../dist/browser/aegislog.js';

const q = new URLSearchParams(location.search);
const num = (name) => (q.has(name) ? Number(q.get(name)) : undefined);
const clock = () => performance.timeOrigin + performance.now();

/** [start, end] of each delivery request this tab made, on a clock that all tabs share. */
const requests = [];
const tracedFetch = async (url, init) => {
  const entry = { url: String(url), start: clock(), end: 0, status: 0 };
  requests.push(entry);
  try {
    const response = await fetch(url, init);
    entry.status = response.status;
    return response;
  } finally {
    entry.end = clock();
  }
};

const receipts = [];
const errors = [];
const options = {
  endpoint: q.get('endpoint'),
  tenantId: q.get('tenant'),
  apiKey: q.get('key'),
  fetch: tracedFetch,
  onReceipt: (receipt) => receipts.push(receipt.event_id),
  onError: (error, ids) => errors.push({ code: error.code, message: error.message, ids: ids?.length ?? 0 }),
};
for (const name of ['batchSize', 'flushInterval', 'maxQueueSize']) if (q.has(name)) options[name] = num(name);
if (q.has('retryBase')) options.retry = { baseDelay: num('retryBase'), maxDelay: num('retryMax') ?? 1000 };

const log = new AegisLog(options);
let seq = 0;

function payload(i) {
  return { prompt_chars: i, route: '/chat' };
}

window.harness = {
  log,
  requests,
  receipts,
  errors,
  /** Records n events in one go; returns their ids. */
  record(n) {
    const ids = [];
    for (let i = 0; i < n; i++) ids.push(log.record('model_inference', payload(seq++), { model_context: { model_id: 'demo-llm', model_version: '1' } }));
    return ids;
  },
  /** Records one event every `everyMs` for `forMs`; returns the ids. */
  async recordFor(forMs, everyMs) {
    const ids = [];
    const end = performance.now() + forMs;
    while (performance.now() < end) {
      ids.push(...this.record(1));
      await new Promise((done) => setTimeout(done, everyMs));
    }
    return ids;
  },
  /** Main-thread cost of record(), µs per call: median and p95 over `rounds` rounds of `perRound` calls. */
  recordCost(rounds, perRound) {
    const samples = [];
    for (let r = 0; r < rounds; r++) {
      const t0 = performance.now();
      for (let i = 0; i < perRound; i++) log.record('bench', { i });
      samples.push(((performance.now() - t0) * 1000) / perRound);
    }
    samples.sort((a, b) => a - b);
    return { median: samples[samples.length >> 1], p95: samples[Math.floor(samples.length * 0.95)] };
  },
  /** Milliseconds from the first record() of n events to all of them committed in the queue store. */
  async timeToDurable(n) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) log.record('bench', { i });
    await log.durable();
    return performance.now() - t0;
  },
};
document.getElementById('state').textContent = 'ready';
