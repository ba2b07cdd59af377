// Builds every entry as ESM + CJS + one bundled .d.ts, plus self-contained
// browser files under dist/browser/ for <script type="module"> users.
import typescript from '@rollup/plugin-typescript';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { dts } from 'rollup-plugin-dts';
import { builtinModules } from 'node:module';
import pkg from './package.json' with { type: 'json' };

/** Public entries (the exports map) and the CLI, which only bin/ loads. */
const input = {
  index: 'src/index.ts',
  verify: 'src/verify/index.ts',
  server: 'src/server/index.ts',
  'server-node': 'src/server/node.ts',
  edge: 'src/edge/index.ts',
  ai: 'src/ai/index.ts',
  witness: 'src/witness/index.ts',
  'witness-node': 'src/witness/node.ts',
  cli: 'src/cli/main.ts',
};

const packages = [
  ...Object.keys(pkg.dependencies ?? {}),
  ...Object.keys(pkg.optionalDependencies ?? {}),
  ...Object.keys(pkg.peerDependencies ?? {}),
];
const nodeBuiltins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
const external = (id) => nodeBuiltins.has(id) || packages.some((p) => id === p || id.startsWith(`${p}/`));

const ts = () => typescript({ tsconfig: './tsconfig.build.json', outputToFilesystem: false });

// The zod schemas get a chunk of their own (and the rules they share with the validator go with the
// validator): with `sideEffects: false`, a bundler then drops that chunk, and zod, from apps that do
// not import a schema, instead of keeping top-level z.object() calls.
// The client, its queues and transport, the validator and the error classes share one chunk: the
// verifier, which the client loads lazily, imports the error classes, and a splitting bundler puts
// what both reach in a chunk of its own; kept together, a recording page loads one compressed file
// instead of two (issue 15: 330 B less gzip). The wire types' one constant (SIGNING_ALG) goes with
// them: every chunk that needs it loads the client chunk anyway, and on its own it became a file of
// its own (55 B more gzip on a recording page) as soon as a lazy chunk of aegislog/ai (the digests,
// which throw the protocol's errors) reached the client chunk without it.
const CLIENT_CHUNK = ['/src/client/', '/src/queue/', '/src/schema/', '/src/transport/http.ts', '/src/transport/exit.ts', '/src/transport/bytes.ts', '/src/protocol/errors.ts', '/src/protocol/types.ts'];
const manualChunks = (id) =>
  id.endsWith('/src/schema/zod.ts') ? 'schemas'
  : id.includes('/src/client/signature.ts') ? undefined
  : CLIENT_CHUNK.some((part) => id.includes(part)) ? 'client'
  : undefined;

/**
 * Browser files: everything bundled but Node built-ins, which these entries must never reach, and
 * the optional ML-DSA peer, which stays a dynamic import (a page that verifies ML-DSA cosignatures
 * passes `mlDsa44` itself) rather than 100 kB in every verifier.
 */
const browserFiles = [
  ['src/browser/client.ts', 'dist/browser/aegislog.js'],
  ['src/browser/verify.ts', 'dist/browser/aegislog-verify.js'],
];

// No bare `import 'zod'` / `import './der-x.js'` lines in dist: beside `"sideEffects": false` they
// make esbuild warn (ignored-bare-import) in every project that links the package (npm link,
// workspaces) instead of installing it under node_modules. Rollup writes them to hoist transitive
// imports (off), and to keep the order of module-level statements of chunks whose bindings an
// importer does not use: `moduleSideEffects: false` is what `"sideEffects": false` already tells
// every bundler downstream (a module is kept, with its top-level code, only when a binding is used).
const treeshake = { moduleSideEffects: false };
const shared = { hoistTransitiveImports: false, manualChunks };

export default [
  {
    input,
    external,
    treeshake,
    plugins: [ts()],
    output: [
      { dir: 'dist/esm', format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js', ...shared },
      { dir: 'dist/cjs', format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: 'chunks/[name]-[hash].cjs', exports: 'named', ...shared },
    ],
  },
  {
    input: Object.fromEntries(Object.entries(input).filter(([name]) => name !== 'cli')),
    external,
    plugins: [dts({ tsconfig: './tsconfig.build.json' })],
    // The same declarations twice: `.d.ts` are ES modules (the package is "type": "module"), and
    // `.d.cts` describe the CommonJS build, so that `require('aegislog')` under node16/nodenext gets
    // CommonJS types (else TS1471/TS1479). rollup-plugin-dts writes `.cjs` specifiers between them.
    output: [
      { dir: 'dist/types', format: 'es', entryFileNames: '[name].d.ts', chunkFileNames: 'chunks/[name]-[hash].d.ts' },
      { dir: 'dist/types', format: 'es', entryFileNames: '[name].d.cts', chunkFileNames: 'chunks/[name]-[hash].d.cts' },
    ],
  },
  ...browserFiles.map(([file, out]) => ({
    input: file,
    external: (id) => nodeBuiltins.has(id) || id.startsWith('@noble/post-quantum'),
    plugins: [nodeResolve({ browser: true }), ts(), terser({ format: { comments: false } })],
    output: { file: out, format: 'es', inlineDynamicImports: true },
  })),
];
