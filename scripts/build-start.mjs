#!/usr/bin/env node
// What `npm start` (`aegislog dev`) needs, built with esbuild in a few seconds: the CLI as
// dist/esm/cli.js (the file bin/aegislog.mjs loads) and the demo pages under dist/demo/.
// The full build (`npm run build`: rollup, every entry as ESM + CJS + declarations + browser
// files, then the demo pages, terser throughout) takes about a minute on two cores, most of it
// in the TypeScript plugin and terser, for files the dev server never reads. This build mirrors
// what those configs do for these files: the same externals (dependencies, optional and peer
// dependencies, Node built-ins), ES2022, the demo pages bundled for browsers with the same
// stand-in for @vercel/oidc. Packages (`npm pack`, prepack) and the tests use the full build.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const at = (path) => join(ROOT, path);
const pkg = JSON.parse(readFileSync(at('package.json'), 'utf8'));

// As rollup.config.mjs: the package's own dependencies stay imports; everything else is bundled.
const packages = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})];
const external = [...packages, ...packages.map((p) => `${p}/*`), ...builtinModules, 'node:*'];

const cli = () =>
  build({
    absWorkingDir: ROOT,
    entryPoints: [at('src/cli/main.ts')],
    outfile: at('dist/esm/cli.js'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'es2022',
    external,
    tsconfig: at('tsconfig.build.json'),
    logLevel: 'warning',
  });

// As rollup.demo.config.mjs: the chat page's AI SDK imports its gateway provider, which imports
// @vercel/oidc (server-side, CommonJS); the page never uses the gateway.
const noVercelOidc = {
  name: 'no-vercel-oidc',
  setup(b) {
    b.onResolve({ filter: /^@vercel\/oidc$/ }, () => ({ path: 'no-vercel-oidc', namespace: 'stand-in' }));
    b.onLoad({ filter: /.*/, namespace: 'stand-in' }, () => ({
      contents:
        'const none = () => { throw new Error("Vercel OIDC is server-side only"); };\nexport const getContext = () => ({});\nexport const getVercelOidcToken = none;\n',
      loader: 'js',
    }));
  },
};

const browser = { absWorkingDir: ROOT, bundle: true, platform: 'browser', target: 'es2022', minify: true, logLevel: 'warning', plugins: [noVercelOidc] };

async function page(name) {
  const out = at(`dist/demo/${name}`);
  mkdirSync(out, { recursive: true });
  copyFileSync(at(`demo/${name}/index.html`), join(out, 'index.html'));
  copyFileSync(at('demo/shared/demo.css'), join(out, 'demo.css'));
  const builds = [build({ ...browser, entryPoints: [at(`demo/${name}/main.ts`)], outfile: join(out, `${name}.js`), format: 'esm' })];
  if (name === 'auditor') builds.push(build({ ...browser, entryPoints: [at('demo/auditor/sw.ts')], outfile: join(out, 'sw.js'), format: 'iife' }));
  await Promise.all(builds);
}

export async function buildStart() {
  // dist/esm/cli.js is no longer the full build's: its stamp goes (scripts/build-if-stale.mjs).
  rmSync(at('dist/.build-inputs'), { force: true });
  rmSync(at('dist/demo'), { recursive: true, force: true });
  const pages = ['auditor', 'chat'].filter((name) => existsSync(at(`demo/${name}/main.ts`)));
  await Promise.all([cli(), ...pages.map(page)]);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildStart().catch((error) => {
    // esbuild has printed the errors (logLevel above); the exit code fails `npm start`.
    if (!error?.errors) console.error(error);
    process.exitCode = 1;
  });
}
