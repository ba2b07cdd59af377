#!/usr/bin/env node
// What holding maxQueueSize for a whole shared queue costs on the edge (issue 15), in real workerd
// (miniflare) over the BUILT package (run `npm run build` first): 25 requests, each a fresh client
// that records 50 events into one queue with maxQueueSize 1,000, as a Worker does per request.
//   KV:    kvQueue(env.KV): each append counts the queue by a KV listing, then puts one key per event.
//   baseline: the same number of keys put at once with no count (what the queue did before: nothing
//          bounded the whole queue, and 25 × 50 left 1,250 keys).
//   Durable Object: kvQueue(state.storage): the count and the numbers in the object's state, read and
//          written with the events in one transaction().
// Reported: keys left in the queue, drops, KV operations per request (counted by a wrapper around
// the binding), and the median time of a request as the Worker measures it (workerd advances its
// clock across I/O, which is what this measures). Miniflare's KV is a local store: the times show
// the listing's cost beside the puts here, not Cloudflare's latencies (a KV list is billed like a write).
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const REQUESTS = 25;
const EVENTS = 50;
const MAX = 1000;

const WORKER = `
import { AegisLog, kvQueue } from 'aegislog';

/** Counts what the queue asks of the namespace. */
function counting(kv, ops) {
  return {
    get: (k) => (ops.get++, kv.get(k)),
    put: (k, v) => (ops.put++, kv.put(k, v)),
    delete: (k) => (ops.delete++, kv.delete(k)),
    list: (o) => (ops.list++, kv.list(o)),
  };
}

async function record(queue) {
  const log = new AegisLog({ endpoint: 'http://127.0.0.1:9', tenantId: 'bench', queue, flushInterval: 0, maxQueueSize: ${MAX}, onError: () => {} });
  for (let i = 0; i < ${EVENTS}; i++) log.record('edge', { i });
  await log.durable();
  return log.stats().dropped;
}

export class Queue {
  constructor(state) { this.state = state; }
  async fetch() {
    const started = Date.now();
    const dropped = await record(kvQueue(this.state.storage));
    const keys = (await this.state.storage.list({ prefix: 'aegislog:q' })).size;
    return Response.json({ ms: Date.now() - started, dropped, keys });
  }
}

export default {
  async fetch(request, env) {
    const mode = new URL(request.url).pathname.slice(1);
    if (mode === 'do') return env.QUEUES.get(env.QUEUES.idFromName('one')).fetch(request);
    const ops = { get: 0, put: 0, delete: 0, list: 0 };
    const kv = counting(env.KV, ops);
    const started = Date.now();
    let dropped = 0;
    if (mode === 'kv') dropped = await record(kvQueue(kv));
    else await Promise.all(Array.from({ length: ${EVENTS} }, (_, i) => kv.put('aegislog:q' + crypto.randomUUID(), JSON.stringify({ i }))));
    const ms = Date.now() - started;
    return Response.json({ ms, dropped, ops });
  },
};
`;

const bundled = await build({
  stdin: { contents: WORKER, resolveDir: ROOT, loader: 'js' },
  bundle: true, format: 'esm', platform: 'browser', target: 'es2022', conditions: ['workerd', 'worker', 'browser'], write: false, logLevel: 'error',
  alias: { aegislog: join(ROOT, 'dist/esm/index.js') },
});

async function run(mode) {
  // Miniflare's temporary folder made in one of ours, removed after dispose(), which does not wait for its own removal
  // (as test/edge/workerd.ts's newMiniflare does).
  const own = mkdtempSync(join(tmpdir(), 'aegislog-kv-bench-'));
  const before = process.env.TMPDIR;
  process.env.TMPDIR = own;
  const mf = new Miniflare({
    modules: true, script: bundled.outputFiles[0].text, compatibilityDate: '2025-09-01',
    kvNamespaces: ['KV'], durableObjects: { QUEUES: 'Queue' },
  });
  if (before === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = before;
  try {
    const answers = [];
    for (let i = 0; i < REQUESTS; i++) answers.push(await (await mf.dispatchFetch(`http://bench/${mode}`)).json());
    let keys;
    if (mode === 'do') keys = answers.at(-1).keys;
    else {
      const kv = await mf.getKVNamespace('KV');
      keys = 0;
      for (let cursor; ; ) {
        const page = await kv.list({ prefix: 'aegislog:q', cursor });
        keys += page.keys.length;
        if (page.list_complete) break;
        cursor = page.cursor;
      }
    }
    const ms = answers.map((a) => a.ms).sort((a, b) => a - b);
    const ops = answers[0].ops && Object.fromEntries(Object.keys(answers[0].ops).map((k) => [k, answers.reduce((n, a) => n + a.ops[k], 0) / REQUESTS]));
    return { keys, dropped: answers.reduce((n, a) => n + a.dropped, 0), medianMs: ms[ms.length >> 1], ops };
  } finally {
    await mf.dispose();
    await rm(own, { recursive: true, force: true, maxRetries: 5 });
  }
}

const kv = await run('kv');
const baseline = await run('baseline');
const durableObject = await run('do');
const line = (name, r) => `${name.padEnd(16)} keys ${String(r.keys).padStart(5)}  dropped ${String(r.dropped).padStart(4)}  request median ${String(r.medianMs).padStart(4)} ms${r.ops ? `  KV ops/request ${JSON.stringify(r.ops)}` : ''}`;
console.error(`${REQUESTS} requests × ${EVENTS} events, maxQueueSize ${MAX}, real workerd (miniflare)`);
console.error(line('KV (bounded)', kv));
console.error(line('KV, no bound', baseline));
console.error(line('Durable Object', durableObject));
console.log(JSON.stringify([
  { name: `KV queue: keys after ${REQUESTS} requests × ${EVENTS} events (maxQueueSize ${MAX})`, value: kv.keys, unit: 'keys', target: `≤ ${MAX}`, peer: 'no bound', peerValue: baseline.keys, peerUnit: 'keys', ok: kv.keys <= MAX },
  { name: 'KV queue: one request (50 records, append with its listing), median', value: kv.medianMs, unit: 'ms', peer: 'puts alone', peerValue: baseline.medianMs, peerUnit: 'ms' },
  { name: 'KV queue: list operations per request', value: kv.ops.list, unit: 'ops', peer: 'puts alone', peerValue: baseline.ops.list, peerUnit: 'ops' },
  { name: 'Durable Object queue: keys after the same', value: durableObject.keys, unit: 'keys', target: `≤ ${MAX}`, ok: durableObject.keys <= MAX },
  { name: 'Durable Object queue: one request, median', value: durableObject.medianMs, unit: 'ms' },
]));
