// What aegislog/ai adds to a browser app's bundle, built as bench/client-bundle-bench.mjs builds the
// client: esbuild, browser platform, minified, ESM with code splitting, each chunk gzip -9. The peer is the
// app without it: `init + record` of the client alone. The app with the AI SDK middleware creates the
// client and the middleware (wrapLanguageModel and the model are the app's own code, not counted).
//   initial: the entry chunk and the chunks it imports statically (what loads before the first call);
//   all:     every chunk, the lazy one included (keyed digests and full capture, loaded at the first
//            event that needs them).
// Target (issue 14): the middleware adds <= 2 KB initial, read as 2,000 B (the issues give their peers' sizes in
// units of 1,000 B). The other integrations are listed for
// reference: they run on servers, where bytes matter less. Run after `npm run build` (dist/esm).
import { build } from 'esbuild';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const client = JSON.stringify(join(root, 'dist/esm/index.js'));
const ai = JSON.stringify(join(root, 'dist/esm/ai.js'));
const init = `import { AegisLog } from ${client};
  const log = new AegisLog({ endpoint: 'https://aegislog.example.com', tenantId: 'acme', apiKey: 'ingest-key' });
  log.record('model_inference', { model: 'gpt', latency_ms: 12 });`;

const cases = {
  client: init,
  'client + AI SDK middleware': `${init}
  import { aegislogMiddleware } from ${ai};
  globalThis.middleware = aegislogMiddleware({ log, digestKey: 'operator-key' });`,
  'client + AI SDK telemetry': `${init}
  import { aegislogTelemetry } from ${ai};
  globalThis.telemetry = aegislogTelemetry({ log, digestKey: 'operator-key' });`,
  'client + wrapOpenAI': `${init}
  import { wrapOpenAI } from ${ai};
  globalThis.client = wrapOpenAI({}, { log, digestKey: 'operator-key' });`,
  'client + wrapAnthropic': `${init}
  import { wrapAnthropic } from ${ai};
  globalThis.client = wrapAnthropic({}, { log, digestKey: 'operator-key' });`,
  'client + wrapGoogleGenAI': `${init}
  import { wrapGoogleGenAI } from ${ai};
  globalThis.client = wrapGoogleGenAI({}, { log, digestKey: 'operator-key' });`,
  'client + span processor': `${init}
  import { aegislogSpanProcessor } from ${ai};
  globalThis.processor = aegislogSpanProcessor({ log, digestKey: 'operator-key' });`,
  'client + AI SDK embedding middleware': `${init}
  import { aegislogEmbeddingMiddleware } from ${ai};
  globalThis.middleware = aegislogEmbeddingMiddleware({ log, digestKey: 'operator-key' });`,
  'client + AI SDK image middleware': `${init}
  import { aegislogImageMiddleware } from ${ai};
  globalThis.middleware = aegislogImageMiddleware({ log, digestKey: 'operator-key' });`,
  'client + wrapMistral': `${init}
  import { wrapMistral } from ${ai};
  globalThis.client = wrapMistral({}, { log, digestKey: 'operator-key' });`,
  'client + wrapCohere': `${init}
  import { wrapCohere } from ${ai};
  globalThis.client = wrapCohere({}, { log, digestKey: 'operator-key' });`,
  'client + wrapBedrock': `${init}
  import { wrapBedrock } from ${ai};
  globalThis.client = wrapBedrock({}, { log, digestKey: 'operator-key' });`,
  'client + LangChain callbacks': `${init}
  import { aegislogCallbacks } from ${ai};
  globalThis.callbacks = aegislogCallbacks({ log, digestKey: 'operator-key' });`,
  'client + recordToolApprovals': `${init}
  import { recordToolApprovals } from ${ai};
  globalThis.approvals = (messages) => recordToolApprovals(log, messages, { digestKey: 'operator-key' });`,
  'client + recordAgentApprovals': `${init}
  import { recordAgentApprovals } from ${ai};
  globalThis.approvals = (state) => recordAgentApprovals(log, state, { digestKey: 'operator-key' });`,
};

const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;

async function measure(name, source) {
  const dir = await mkdtemp(join(tmpdir(), 'ai-bundle-'));
  const entry = join(root, 'bench', `.entry-ai-${Object.keys(cases).indexOf(name)}.mjs`);
  try {
    await writeFile(entry, source);
    const result = await build({
      entryPoints: [entry], bundle: true, minify: true, format: 'esm', splitting: true, platform: 'browser',
      outdir: dir, metafile: true, write: true, logLevel: 'silent', legalComments: 'none',
    });
    const outputs = result.metafile.outputs;
    const files = Object.keys(outputs).filter((k) => k.endsWith('.js'));
    const size = Object.fromEntries(await Promise.all(files.map(async (f) => [f, gz(await readFile(resolve(root, f)))])));
    const initial = new Set();
    const visit = (file) => {
      if (initial.has(file)) return;
      initial.add(file);
      for (const i of outputs[file].imports) if (i.kind === 'import-statement') visit(i.path);
    };
    visit(files.find((k) => outputs[k].entryPoint && basename(outputs[k].entryPoint) === basename(entry)));
    const sum = (list) => [...list].reduce((total, f) => total + size[f], 0);
    return { name, initial: sum(initial), all: sum(files) };
  } finally {
    await rm(entry, { force: true });
    await rm(dir, { recursive: true, force: true });
  }
}

const results = [];
for (const [name, source] of Object.entries(cases)) results.push(await measure(name, source));
const [base, ...rest] = results;
console.log('esbuild --minify --splitting, each chunk gzip -9, bytes');
console.log('bundle                            initial   added      all chunks   added');
for (const r of results) {
  const added = (key) => (r === base ? '' : `+${r[key] - base[key]}`).padStart(7);
  console.log(`${r.name.padEnd(32)} ${String(r.initial).padStart(8)} ${added('initial')}   ${String(r.all).padStart(10)} ${added('all')}`);
}
const middleware = rest[0];
const rows = [
  { name: 'AI SDK middleware: bytes added to the browser client, initial chunks', value: middleware.initial - base.initial, unit: 'B gzip', target: '≤ 2,000 B', peer: 'the client alone (init + record), initial', peerValue: base.initial, peerUnit: 'B gzip', ok: middleware.initial - base.initial <= 2000 },
  { name: 'AI SDK middleware: bytes added, all chunks (the lazy digest chunk included)', value: middleware.all - base.all, unit: 'B gzip', peer: 'the client alone, all chunks', peerValue: base.all, peerUnit: 'B gzip' },
  ...rest.slice(1).map((r) => ({ name: `${r.name.replace('client + ', '')}: bytes added, initial chunks`, value: r.initial - base.initial, unit: 'B gzip', peer: 'the client alone', peerValue: base.initial, peerUnit: 'B gzip' })),
];
console.log(JSON.stringify(rows));
