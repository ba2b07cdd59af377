// docs/edge.md, docs/witness.md and docs/ai.md (and the README, wherever it quotes an example the same way)
// show the examples the edge and AI suites run: each quote marked `<!-- example: path -->` must be that file,
// byte for byte, and the docs must quote every example file, so that what readers copy is what was tested.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './workerd.js';

function quotes(doc: string): { file: string; text: string }[] {
  const text = existsSync(join(ROOT, doc)) ? readFileSync(join(ROOT, doc), 'utf8') : '';
  return [...text.matchAll(/<!-- example: (\S+) -->\n```\w+\n([\s\S]*?)\n```/g)].map((m) => ({ file: m[1]!, text: m[2]! }));
}

function exampleFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? exampleFiles(join(dir, e.name)) : [relative(ROOT, join(dir, e.name))]));
}

const edgeDoc = quotes('docs/edge.md');
const witnessDoc = quotes('docs/witness.md');
const aiDoc = quotes('docs/ai.md');

describe('the docs quote the tested examples', () => {
  const all = [
    ...edgeDoc.map((q) => ['docs/edge.md', q.file, q.text]),
    ...witnessDoc.map((q) => ['docs/witness.md', q.file, q.text]),
    ...aiDoc.map((q) => ['docs/ai.md', q.file, q.text]),
    ...quotes('README.md').map((q) => ['README.md', q.file, q.text]),
  ];
  it.each(all)('%s quotes %s as it is', (_, file, text) => {
    expect(text).toBe(readFileSync(join(ROOT, file!), 'utf8').replace(/\n$/, ''));
  });

  it('docs/edge.md quotes every example file (docs/witness.md those of the witness, docs/ai.md those of aegislog/ai)', () => {
    const witness = exampleFiles(join(ROOT, 'examples/witness-worker'));
    const ai = ['examples/nextjs-ai', 'examples/cloudflare-worker-openai', 'examples/node-otel'].flatMap((dir) => exampleFiles(join(ROOT, dir)));
    expect(witnessDoc.map((q) => q.file).sort()).toEqual(witness.sort());
    expect(aiDoc.map((q) => q.file).sort()).toEqual(ai.sort());
    expect(edgeDoc.map((q) => q.file).sort()).toEqual(exampleFiles(join(ROOT, 'examples')).filter((f) => !witness.includes(f) && !ai.includes(f)).sort());
  });
});
