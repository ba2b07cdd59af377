// `init + record` bundled for the browser, against Sentry (with its offline transport), Segment and
// PostHog doing `init + capture one event`, all built the same way: esbuild, browser platform,
// minified, ESM with code splitting (so that each library's dynamic imports stay lazy, as any
// splitting bundler leaves them), gzip -9. "Initial" is what the page loads before the first call:
// the entry chunk and every chunk it imports statically, each gzipped alone, as a server sends them.
// Run after `npm run build`: ours is bundled from dist/esm, as users get it.
import { build } from 'esbuild';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ours = JSON.stringify(join(root, 'dist/esm/index.js'));

const cases = {
  aegislog: `import { AegisLog } from ${ours};
    const log = new AegisLog({ endpoint: 'https://aegislog.example.com', tenantId: 'acme', apiKey: 'ingest-key' });
    log.record('model_inference', { model: 'gpt', latency_ms: 12 });`,
  sentry: `import * as Sentry from '@sentry/browser';
    Sentry.init({ dsn: 'https://public@o0.ingest.sentry.io/0', transport: Sentry.makeBrowserOfflineTransport(Sentry.makeFetchTransport) });
    Sentry.captureMessage('model_inference');`,
  segment: `import { AnalyticsBrowser } from '@segment/analytics-next';
    const analytics = AnalyticsBrowser.load({ writeKey: 'write-key' });
    analytics.track('model_inference', { model: 'gpt', latency_ms: 12 });`,
  posthog: `import posthog from 'posthog-js';
    posthog.init('phc_project_key', { api_host: 'https://eu.i.posthog.com' });
    posthog.capture('model_inference', { model: 'gpt', latency_ms: 12 });`,
};

const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;

async function measure(name, source) {
  const dir = await mkdtemp(join(tmpdir(), `bundle-${name}-`));
  try {
    const entry = join(root, 'bench', `.entry-${name}.mjs`); // inside the repo, so that node_modules resolve
    await writeFile(entry, source);
    try {
      const result = await build({
        entryPoints: [entry], bundle: true, minify: true, format: 'esm', splitting: true, platform: 'browser',
        outdir: dir, metafile: true, write: true, logLevel: 'silent', legalComments: 'none',
        define: { 'process.env.NODE_ENV': '"production"' },
      });
      const outputs = result.metafile.outputs;
      const entryOut = Object.keys(outputs).find((k) => outputs[k].entryPoint && k.endsWith('.js'));
      const initial = new Set();
      const visit = (file) => {
        if (initial.has(file)) return;
        initial.add(file);
        for (const i of outputs[file].imports) if (i.kind === 'import-statement') visit(i.path);
      };
      visit(entryOut);
      let initialGz = 0, initialMin = 0, lazyGz = 0;
      for (const file of Object.keys(outputs).filter((k) => k.endsWith('.js'))) {
        const bytes = await readFile(resolve(file));
        if (initial.has(file)) (initialGz += gz(bytes)), (initialMin += bytes.length);
        else lazyGz += gz(bytes);
      }
      return { name, initialGz, initialMin, initialFiles: initial.size, lazyGz };
    } finally {
      await rm(entry, { force: true });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const results = [];
for (const [name, source] of Object.entries(cases)) results.push(await measure(name, source));
const [a, ...peers] = results;
const kb = (n) => (n / 1024).toFixed(2).padStart(7);
console.log('init + record/capture, esbuild --minify --splitting, gzip -9 (KiB)');
console.log('library    initial  files  min(initial)  lazy chunks');
for (const r of results) console.log(`${r.name.padEnd(10)} ${kb(r.initialGz)}  ${String(r.initialFiles).padStart(5)}  ${kb(r.initialMin)}      ${kb(r.lazyGz)}`);
const smallestPeer = Math.min(...peers.map((p) => p.initialGz));
const verdict = {
  bench: 'client-bundle',
  aegislog_initial_gz: a.initialGz,
  aegislog_lazy_gz: a.lazyGz,
  peers_initial_gz: Object.fromEntries(peers.map((p) => [p.name, p.initialGz])),
  target_8kb: a.initialGz <= 8 * 1024,
  target_third_of_each_peer: peers.every((p) => a.initialGz * 3 <= p.initialGz),
  ratio_to_smallest_peer: +(a.initialGz / smallestPeer).toFixed(3),
};
console.log(JSON.stringify(verdict));
