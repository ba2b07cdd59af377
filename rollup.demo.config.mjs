// The demo pages (auditor, chat): each a self-contained folder under dist/demo/
// with its HTML, one bundled script and the shared CSS, so that `aegislog dev`
// (and any static host) serves it as is and it needs nothing from elsewhere.
import typescript from '@rollup/plugin-typescript';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { existsSync, readFileSync } from 'node:fs';

const ts = () =>
  typescript({
    // The build tsconfig covers src/ only; the demo pages compile with the same options.
    tsconfig: false,
    include: ['src/**/*.ts', 'demo/**/*.ts'],
    compilerOptions: {
      target: 'ES2022',
      module: 'ESNext',
      moduleResolution: 'Bundler',
      lib: ['ES2023', 'DOM', 'DOM.Iterable'],
      types: [],
      strict: true,
      verbatimModuleSyntax: true,
      isolatedModules: true,
      skipLibCheck: true,
      declaration: false,
      // `npm run typecheck` checks these files; the build only transpiles.
      noCheck: true,
    },
    outputToFilesystem: false,
  });

/** Copies static files into the output folder next to the bundle. */
const copy = (files) => ({
  name: 'demo-copy',
  generateBundle() {
    for (const [from, fileName] of files) this.emitFile({ type: 'asset', fileName, source: readFileSync(from) });
  },
});

const page = (name, extra = []) => ({
  input: { [name]: `demo/${name}/main.ts` },
  plugins: [
    nodeResolve({ browser: true }),
    ts(),
    terser({ format: { comments: false } }),
    copy([[`demo/${name}/index.html`, 'index.html'], ['demo/shared/demo.css', 'demo.css'], ...extra]),
  ],
  output: { dir: `dist/demo/${name}`, format: 'es', entryFileNames: '[name].js', inlineDynamicImports: true },
});

const noVercelOidc = {
  name: 'no-vercel-oidc',
  resolveId: (id) => (id === '@vercel/oidc' ? '\0no-vercel-oidc' : null),
  load: (id) =>
    id === '\0no-vercel-oidc'
      ? 'const none = () => { throw new Error("Vercel OIDC is server-side only"); };\nexport const getContext = () => ({});\nexport const getVercelOidcToken = none;\n'
      : null,
};

const serviceWorker = {
  input: 'demo/auditor/sw.ts',
  plugins: [ts(), terser({ format: { comments: false } })],
  output: { file: 'dist/demo/auditor/sw.js', format: 'iife' },
};

export default [
  ...(existsSync('demo/auditor/main.ts') ? [page('auditor'), serviceWorker] : []),
  // The chat page calls its model through the AI SDK, whose index imports its gateway provider, which
  // imports @vercel/oidc: Vercel's server-side token helpers, CommonJS, with those two missing from its
  // browser build. The page never uses the gateway: it gets a stand-in that says so if ever called.
  ...(existsSync('demo/chat/main.ts') ? [{ ...page('chat'), plugins: [noVercelOidc, ...page('chat').plugins] }] : []),
];
