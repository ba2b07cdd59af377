import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';
const root = process.cwd();
writeFileSync(root + '/bench/.entry-x.mjs', `import { AegisLog } from ${JSON.stringify(root + '/src/index.ts')};
const log = new AegisLog({ endpoint: 'https://aegislog.example.com', tenantId: 'acme', apiKey: 'ingest-key' });
log.record('model_inference', { model: 'gpt', latency_ms: 12 });`);
const r = await build({ entryPoints: [root + '/bench/.entry-x.mjs'], bundle: true, minify: true, format: 'esm', splitting: true, platform: 'browser', outdir: '/tmp/szout', metafile: true, write: true, logLevel: 'silent', legalComments: 'none' });
let total = 0;
for (const [f, o] of Object.entries(r.metafile.outputs)) {
  if (!f.endsWith('.js')) continue;
  const { readFileSync } = await import('node:fs');
  const gz = gzipSync(readFileSync(f), { level: 9 }).length;
  console.log(f, o.bytes, gz, o.entryPoint ?? '');
  if (process.argv[2]) for (const [m, x] of Object.entries(o.inputs).sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput)) console.log('   ', x.bytesInOutput, m.replace(root, ''));
}
