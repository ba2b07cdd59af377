// The package as npm ships it (issue 16, items 2, 3, 6, 8 and 11): `npm pack` of the built
// repository, installed into an empty project as a user installs it, then imported, compiled and
// bundled the ways users do. Install scripts are skipped (--ignore-scripts), as npm 11.5+ may do,
// so better-sqlite3 has no binding there: the CLI's hint is checked on the way.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, emptyProject, requireBuild, run, type Project } from '../newcomer/project.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string; scripts: Record<string, string> };
let project: Project;
let installed: string;
let files: string[];
const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');

beforeAll(async () => {
  requireBuild();
  project = emptyProject('package');
  // prepack would build again; the suite's build is fresh (`npm test` builds first).
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', project.dir], { cwd: ROOT, encoding: 'utf8' }),
  ) as { filename: string; files: { path: string }[] }[];
  files = packed[0]!.files.map((f) => f.path);
  const tarball = join(project.dir, packed[0]!.filename);
  const install = await run(`npm install --ignore-scripts --prefer-offline --no-audit --no-fund --loglevel=error ${JSON.stringify(tarball)}`, project.dir);
  if (install.code !== 0) throw new Error(`npm install of the tarball failed:\n${install.output}`);
  installed = join(project.dir, 'node_modules/aegislog');
  // What a TypeScript user has beside it: @types/node for the Node entry's types.
  symlinkSync(join(ROOT, 'node_modules/@types'), join(project.dir, 'node_modules/@types'));
}, 600_000);
afterAll(() => project?.remove());

describe('npm pack', () => {
  it('builds before packing (prepack), so a clean clone never ships an empty package', () => {
    expect(pkg.scripts.prepack).toBe('npm run build');
  });

  it('ships the builds, the types for import and require, docs, examples, LICENSE; no sources or tests', () => {
    for (const file of ['dist/esm/index.js', 'dist/cjs/index.cjs', 'dist/types/index.d.ts', 'dist/types/index.d.cts', 'dist/types/server-node.d.cts',
      'dist/browser/aegislog.js', 'bin/aegislog.mjs', 'docs/PROTOCOL.md', 'docs/deploy.md', 'README.md', 'LICENSE', 'package.json']) {
      expect(files).toContain(file);
    }
    expect(files.filter((f) => /^(src|test|e2e|api|scripts)\//.test(f) || f.startsWith('docs/api/'))).toEqual([]);
  });

  it('package.json names its license, repository and homepage, and the Node versions it supports', () => {
    const meta = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    expect(meta.license).toBe('MIT');
    expect(readFileSync(join(installed, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
    expect(meta.repository?.url).toMatch(/^git\+https:\/\//);
    expect(meta.homepage).toMatch(/^https:\/\//);
    expect(meta.engines.node).toBe('>=22');
  });

  it('every relative link of the README (and of docs/) resolves inside the package', () => {
    const broken: string[] = [];
    for (const page of ['README.md', ...readdirSync(join(installed, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)]) {
      const text = readFileSync(join(installed, page), 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target!) || target!.startsWith('#')) continue;
        const path = resolve(dirname(join(installed, page)), decodeURIComponent(target!.split('#')[0]!));
        if (!existsSync(path)) broken.push(`${page}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});

describe('the installed package in Node', () => {
  it('ESM: every entry imports, with its main names', async () => {
    const { code, output } = await run(`node --input-type=module -e "
      import { AegisLog, kvQueue, ErrorCode } from 'aegislog';
      import { verifyEvidence, importPublicKey } from 'aegislog/verify';
      import { createServer, memoryStore, sqliteStore, listen } from 'aegislog/server';
      import { createRelay } from 'aegislog/edge';
      console.log([AegisLog, kvQueue, verifyEvidence, importPublicKey, createServer, memoryStore, sqliteStore, listen, createRelay].map((f) => typeof f).join(), ErrorCode.QueueFull);
    "`, project.dir);
    expect(output.trim()).toBe(`${Array(9).fill('function').join()} ERR_QUEUE_FULL`);
    expect(code).toBe(0);
  });

  it('CommonJS: require() of every entry', async () => {
    const { code, output } = await run(`node -e "
      const { AegisLog } = require('aegislog');
      const { verifyEvidence } = require('aegislog/verify');
      const { createServer, sqliteStore } = require('aegislog/server');
      const { createRelay } = require('aegislog/edge');
      console.log([AegisLog, verifyEvidence, createServer, sqliteStore, createRelay].map((f) => typeof f).join());
    "`, project.dir);
    expect(output.trim()).toBe(Array(5).fill('function').join());
    expect(code).toBe(0);
  });

  it('npx aegislog dev without the better-sqlite3 binding prints the fix', async () => {
    const { code, output } = await run('npx aegislog dev --port 0 --data ./data', project.dir);
    expect(code).toBe(1);
    expect(output).toContain('better-sqlite3 is installed without its native binding');
    expect(output).toContain('npm rebuild better-sqlite3');
    expect(output).not.toContain('→');
  });
});

describe('the installed package in TypeScript', () => {
  const use = `
    const log = new AegisLog({ endpoint: 'https://log.example', tenantId: 't', apiKey: 'k' });
    const id: string = log.record('model_inference', { n: 1 });
    const error: ErrorCode = ErrorCode.QueueFull;
    const check = (bundle: unknown) => verifyEvidence(bundle, { keys: [] });
    // The README: "await using log = new AegisLog(…) closes the client at the end of the scope (TypeScript 5.2+)".
    const scoped = async () => {
      await using scopedLog = new AegisLog({ endpoint: 'https://log.example', tenantId: 't', apiKey: 'k' });
      scopedLog.record('model_inference');
    };
    void [id, error, check, createServer, createRelay, scoped];
  `;
  const esm = `import { AegisLog, ErrorCode } from 'aegislog';
import { verifyEvidence } from 'aegislog/verify';
import { createServer } from 'aegislog/server';
import { createRelay } from 'aegislog/edge';
${use}`;
  const cjs = `import aegis = require('aegislog');
import verify = require('aegislog/verify');
import server = require('aegislog/server');
import edge = require('aegislog/edge');
const { AegisLog, ErrorCode } = aegis;
type ErrorCode = aegis.ErrorCode;
const { verifyEvidence } = verify;
const { createServer } = server;
const { createRelay } = edge;
${use}`;

  const compile = async (name: string, options: Record<string, unknown>, sources: Record<string, string>, type?: 'module' | 'commonjs') => {
    const dir = join(project.dir, `ts-${name}`);
    const p = { write: (path: string, text: string) => project.write(join(`ts-${name}`, path), text) };
    p.write('package.json', JSON.stringify({ name: `ts-${name}`, private: true, ...(type ? { type } : {}) }));
    p.write('tsconfig.json', JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, target: 'ES2022', lib: ['ES2023', 'DOM'], types: ['node'], typeRoots: ['../node_modules/@types'], ...options },
      include: Object.keys(sources),
    }));
    for (const [file, text] of Object.entries(sources)) p.write(file, text);
    return run(`node ${JSON.stringify(tsc)} -p .`, dir);
  };

  it.each([
    ['bundler', { module: 'ESNext', moduleResolution: 'Bundler' }, { 'main.ts': esm }, undefined],
    ['node16 ESM', { module: 'Node16', moduleResolution: 'Node16' }, { 'main.ts': esm }, 'module'],
    ['node16 CommonJS (import = require)', { module: 'Node16', moduleResolution: 'Node16' }, { 'main.ts': cjs }, 'commonjs'],
    ['nodenext, .mts and .cts side by side', { module: 'NodeNext', moduleResolution: 'NodeNext' }, { 'a.mts': esm, 'b.cts': cjs }, undefined],
  ] as const)('%s compiles', { timeout: 240_000 }, async (name, options, sources, type) => {
    const { code, output } = await compile(name.replace(/\W+/g, '-'), options, sources, type);
    expect(output).toBe('');
    expect(code).toBe(0);
  });
});

describe('a Worker bundle, as wrangler builds it', () => {
  const worker = readFileSync(join(ROOT, 'examples/cloudflare-worker/worker.ts'), 'utf8');
  const bundle = (entry: string) =>
    build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'neutral',
      conditions: ['workerd', 'worker', 'browser'],
      mainFields: ['browser', 'module', 'main'],
      logLevel: 'silent',
    });

  it('installed under node_modules: no warning', async () => {
    const result = await bundle(project.write('worker/worker.ts', worker));
    expect(result.warnings).toEqual([]);
  });

  it('linked (npm link, workspaces): no warning either', async () => {
    const linked = emptyProject('package-linked');
    try {
      linked.link('aegislog');
      const result = await bundle(linked.write('worker.ts', worker));
      expect(result.warnings.map((w) => w.text)).toEqual([]);
    } finally {
      linked.remove();
    }
  });
});

describe('zod, only in a bundle that imports a schema', () => {
  // The zod schemas have a chunk of their own, which a bundler drops with zod from an app that imports none (about
  // 27 KB gzip). Once, an import of canonical JSON from the schemas made rollup put canonical JSON in that chunk:
  // every chunk that canonicalises (the verifier, the relay) and the recording page then loaded zod.
  const inputsOf = async (name: string, source: string) => {
    const result = await build({
      entryPoints: [project.write(`zod-check/${name}.ts`, source)],
      bundle: true, write: false, format: 'esm', splitting: true, platform: 'browser', outdir: join(project.dir, 'zod-check/out'), metafile: true, logLevel: 'silent',
    });
    // What the chunks hold: esbuild reads (and lists among its inputs) modules that tree shaking then drops whole.
    return Object.values(result.metafile.outputs).flatMap((out) => Object.entries(out.inputs).filter(([, input]) => input.bytesInOutput > 0).map(([path]) => path));
  };
  const zod = (inputs: string[]) => inputs.filter((path) => path.includes('node_modules/zod/'));

  it.each([
    ['a page that records (its lazy verifier included)', "import { AegisLog } from 'aegislog';\nnew AegisLog({ endpoint: 'https://a.example', tenantId: 'acme', apiKey: 'k' }).record('page_view');"],
    ['a page that verifies evidence', "import { verifyEvidence } from 'aegislog/verify';\nconsole.log(verifyEvidence);"],
    ['an edge relay', "import { createRelay } from 'aegislog/edge';\nconsole.log(createRelay({ endpoint: 'https://a.example' }));"],
  ])('%s bundles none of it', async (name, source) => {
    const inputs = await inputsOf(name.replace(/\W+/g, '-'), source);
    expect(inputs.some((path) => path.includes('node_modules/aegislog/'))).toBe(true);
    expect(zod(inputs)).toEqual([]);
  });

  it('a form that validates with EventSchema bundles it', async () => {
    expect(zod(await inputsOf('schema', "import { EventSchema } from 'aegislog';\nconsole.log(EventSchema.safeParse({}));")).length).toBeGreaterThan(0);
  });
});
