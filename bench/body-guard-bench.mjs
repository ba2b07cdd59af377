// The body guard (src/transport/json-guard.ts) against plain JSON.parse, in one run:
//   1. reading a normal batch (500 events, ~190 KiB) into objects: the guard's scan + JSON.parse vs JSON.parse;
//   2. the ingest path: POST /ingest/batch through the server's handler (read, parse, validate,
//      canonicalise, sign with node:crypto, store in memory), the same server built twice from the
//      sources with esbuild, once as it is and once with the scanner replaced by one that does
//      nothing (plain JSON.parse): target no slower than 10 %;
//   3. what refusing the issue's attack bodies costs, guarded vs plain.
// A and B alternate round by round, so that the machine's load falls on both alike. Medians.
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'aegislog-guard-bench-'));
process.on('exit', () => rmSync(out, { recursive: true, force: true }));

/** The same entry bundled as it is, or with a JsonScanner that scans nothing. */
async function variant(name, plain) {
  const entry = join(out, `${name}-entry.ts`);
  const { writeFileSync } = await import('node:fs');
  writeFileSync(entry, `export { createServer, localSigner, memoryStore, generateSigningJwk } from '${join(ROOT, 'src/server/node.ts')}';
export { readJsonBody } from '${join(ROOT, 'src/transport/web-handler.ts')}';\n`);
  const stub = {
    name: 'plain-json',
    setup(b) {
      b.onLoad({ filter: /json-guard\.ts$/ }, () => ({
        loader: 'ts',
        contents: `export const DEFAULT_JSON_LIMITS = { maxDepth: 64, maxValues: 100000 };
export class JsonScanner { depth = 0; values = 0; badNumbers = []; push() { return undefined; } end() {} }
export function pathsAt() { return []; }`,
      }));
    },
  };
  const outfile = join(out, `${name}.mjs`);
  await build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', external: ['better-sqlite3', '@aws-sdk/*'], logLevel: 'error', plugins: plain ? [stub] : [] });
  return import(outfile);
}

const guarded = await variant('guarded', false);
const plain = await variant('plain', true);

const event = (id) => ({
  event_type: 'model_inference',
  event_id: id,
  model_context: { model_id: 'gpt-4', model_version: '2026-01' },
  performance_metrics: { latency_ms: 234, confidence_score: 0.92, input_tokens: 150, output_tokens: 200 },
  prompt: 'What is the return policy for opened items?',
  output: 'Opened items can be returned within 30 days with a receipt.',
});
const utf8 = new TextEncoder();
const batchBytes = (round, i) => utf8.encode(JSON.stringify({ events: Array.from({ length: 500 }, (_, j) => event(`r${round}-b${i}-${j}`)) }));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const request = (path, bytes, headers = {}) =>
  new Request(`http://bench.local${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: bytes });

const rows = [];

// 1. Reading a batch into objects: readJsonBody (what the routes call) of each variant.
{
  const bodies = Array.from({ length: 20 }, (_, i) => batchBytes(0, i));
  const times = { guarded: [], plain: [] };
  for (let round = 0; round < 25; round++) {
    for (const [name, lib] of round % 2 ? [['guarded', guarded], ['plain', plain]] : [['plain', plain], ['guarded', guarded]]) {
      const t = performance.now();
      for (const body of bodies) await lib.readJsonBody(request('/x', body), 1 << 20);
      if (round >= 3) times[name].push((performance.now() - t) / bodies.length);
    }
  }
  const ratio = median(times.guarded) / median(times.plain);
  console.error(`read a batch (${(bodies[0].length / 1024).toFixed(0)} KiB, 500 events): guarded ${median(times.guarded).toFixed(2)} ms, plain JSON.parse ${median(times.plain).toFixed(2)} ms`);
  rows.push({ name: 'read + parse a 500-event batch: guard + JSON.parse vs JSON.parse', value: ratio, unit: '×', peer: 'JSON.parse', peerValue: median(times.plain), peerUnit: 'ms' });
}

// 2. The ingest path through the handler.
{
  const keys = [{ key: 'ingest-key-bench-000000001', tenant_id: 'bench', scope: 'ingest' }];
  const jwk = await guarded.generateSigningJwk();
  const servers = {};
  for (const [name, lib] of [['guarded', guarded], ['plain', plain]]) {
    servers[name] = lib.createServer({ signer: await lib.localSigner({ privateJwk: jwk }), store: lib.memoryStore(), keys, limits: { keyRatePerSecond: 0 } });
    await servers[name].ready;
  }
  const times = { guarded: [], plain: [] };
  const PER_ROUND = 4;
  for (let round = 0; round < 16; round++) {
    for (const name of round % 2 ? ['guarded', 'plain'] : ['plain', 'guarded']) {
      const bodies = Array.from({ length: PER_ROUND }, (_, i) => batchBytes(`${name}${round}`, i));
      const t = performance.now();
      for (const body of bodies) {
        const response = await servers[name](request('/ingest/batch', body, { 'x-api-key': keys[0].key }));
        const answer = await response.json();
        if (answer.receipts?.length !== 500) throw new Error(`${name}: ${JSON.stringify(answer).slice(0, 200)}`);
      }
      if (round >= 2) times[name].push((performance.now() - t) / PER_ROUND);
    }
  }
  const ratio = median(times.guarded) / median(times.plain);
  console.error(`ingest path, /ingest/batch of 500: guarded ${median(times.guarded).toFixed(1)} ms, plain ${median(times.plain).toFixed(1)} ms`);
  rows.push({ name: 'ingest path (/ingest/batch, 500 events, handler): guarded vs plain JSON.parse', value: ratio, unit: '×', target: '≤ 1.10×', peer: 'JSON.parse', peerValue: median(times.plain), peerUnit: 'ms/batch', ok: ratio <= 1.1 });
}

// 3. Refusing the issue's attack bodies (2 MiB, /ingest).
{
  const attacks = {
    '[[[[… 1,048,000 deep': utf8.encode('['.repeat(1_048_000) + ']'.repeat(1_048_000)),
    '690,000 empty objects': utf8.encode(`{"event_type":"x","a":[${Array(690_000).fill('{}').join(',')}]}`),
  };
  for (const [what, body] of Object.entries(attacks)) {
    const result = {};
    for (const [name, lib] of [['guarded', guarded], ['plain', plain]]) {
      const samples = [];
      for (let i = 0; i < 3; i++) {
        const t = performance.now();
        await lib.readJsonBody(request('/x', body), 2 << 20).catch(() => {});
        samples.push(performance.now() - t);
      }
      result[name] = median(samples);
    }
    console.error(`read ${what}: guarded ${result.guarded.toFixed(2)} ms (refused), plain ${result.plain.toFixed(1)} ms (parsed; the validator then walks it)`);
    rows.push({ name: `read a 2 MiB body of ${what}`, value: result.guarded, unit: 'ms', peer: 'JSON.parse', peerValue: result.plain, peerUnit: 'ms' });
  }
}

console.error(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const width = Math.max(...rows.map((r) => r.name.length));
const fmt = (v) => (Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en') : v.toPrecision(3));
console.log(`${'measure'.padEnd(width)}  ${'value'.padStart(12)}  ${'peer'.padStart(14)}  target`);
for (const r of rows) {
  const mark = r.ok === undefined ? '' : r.ok ? '  ok' : '  MISSED';
  console.log(`${r.name.padEnd(width)}  ${`${fmt(r.value)} ${r.unit}`.padStart(12)}  ${`${fmt(r.peerValue)} ${r.peerUnit}`.padStart(14)}  ${r.target ?? ''}${mark}`);
}
console.log(JSON.stringify({ rows }));
