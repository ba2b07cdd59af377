// Every TypeScript snippet of the README and docs/*.md that imports from aegislog (and from nothing but
// aegislog and Node), type-checked against the built package as a reader's project sees it. What a
// snippet leaves to the reader (a bundle, a policy text, an endpoint…) is declared for it, as `any`;
// anything else it uses must be imported by the snippet itself. Snippets quoted from examples/ are
// run by their own tests; snippets with an ellipsis (`{ … }`) are sketches, not code.
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, emptyProject, requireBuild, type Project } from './project.js';

/** Names the pages leave to the reader. */
const PLACEHOLDERS = [
  'bundle', 'policyText', 'pinnedPem', 'endpoint', 'apiKey', 'env', 'trustedSize', 'checkpointSize', 'trustedNote', 'policy', 'model', 'log', 'digestKey',
  // The README's sketch of aegislog/ai in six SDKs (docs/ai.md has each, run as written).
  'wrapLanguageModel', 'openai', 'registerTelemetry', 'OpenAI', 'Anthropic', 'GoogleGenAI', 'NodeTracerProvider',
];

const pages = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md') && !/^(PROTOCOL|ARCHITECTURE)/.test(f)).map((f) => `docs/${f}`)];
const snippets = pages.flatMap((page) => {
  const text = readFileSync(join(ROOT, page), 'utf8');
  return [...text.matchAll(/^(<!-- ([^\n]*) -->\n)?```ts\n([\s\S]*?)\n```$/gm)]
    .filter((m) => !m[2]?.startsWith('example:'))
    .map((m) => ({ name: `${page}:${text.slice(0, m.index).split('\n').length}`, code: m[3]! }))
    .filter(({ code }) => {
      const from = [...code.matchAll(/^import [^;]* from '([^']+)';/gm)].map((i) => i[1]!);
      const sketch = code.replace(/\/\/.*$/gm, '').includes('…');
      return from.some((f) => f.startsWith('aegislog')) && from.every((f) => f.startsWith('aegislog') || f.startsWith('node:')) && !sketch;
    });
});

let project: Project;
beforeAll(() => {
  requireBuild();
  project = emptyProject('snippets', { name: 'snippets', version: '1.0.0', private: true, type: 'module' });
  project.link('aegislog');
  symlinkSync(join(ROOT, 'node_modules/@types'), join(project.dir, 'node_modules/@types'));
  project.write('tsconfig.json', JSON.stringify({
    compilerOptions: { target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, skipLibCheck: true, lib: ['es2022', 'dom', 'esnext.disposable'], types: ['node'] },
  }));
});
afterAll(() => project?.remove());

describe('the TypeScript snippets of the pages', () => {
  it('are found', () => {
    // By page, not line: a paragraph added above a snippet moves it, and the snippet is still found.
    expect(new Set(snippets.map((s) => s.name.split(':')[0]))).toEqual(new Set(['README.md', 'docs/client.md', 'docs/edge.md', 'docs/server.md', 'docs/trace.md', 'docs/verify.md', 'docs/witness.md']));
  });

  it.each(snippets)('$name type-checks', async ({ name, code }) => {
    const own = (id: string) => new RegExp(`\\b(?:const|let|var|function|class)\\s+${id}\\b|^import [^;]*\\b${id}\\b[^;]* from `, 'm').test(code);
    const left = PLACEHOLDERS.filter((id) => new RegExp(`\\b${id}\\b`).test(code) && !own(id));
    const file = `${name.replace(/[/:.]/g, '_')}.ts`;
    project.write(file, `${code}\n${left.length ? `declare const ${left.map((id) => `${id}: any`).join(', ')};\n` : ''}export {};\n`);
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const result = await promisify(execFile)(process.execPath, [tsc, '--noEmit', '-p', 'tsconfig.json'], { cwd: project.dir }).catch((error: { stdout: string }) => error);
    const errors = result.stdout.split('\n').filter((line) => line.startsWith(file));
    project.write(file, 'export {};\n'); // each snippet alone
    expect(errors).toEqual([]);
  });
});
