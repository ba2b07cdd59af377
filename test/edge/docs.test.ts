// docs/edge.md quotes the examples that the edge suites run: the quotes must be those files, byte for byte,
// and every example file must be quoted, so that what readers copy is what was tested.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './workerd.js';

const doc = readFileSync(join(ROOT, 'docs/edge.md'), 'utf8');
const quoted = [...doc.matchAll(/<!-- example: (\S+) -->\n```\w+\n([\s\S]*?)\n```/g)].map((m) => ({ file: m[1]!, text: m[2]! }));

function exampleFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? exampleFiles(join(dir, e.name)) : [relative(ROOT, join(dir, e.name))]));
}

describe('docs/edge.md quotes the tested examples', () => {
  it.each(quoted.map((q) => [q.file, q.text]))('%s', (file, text) => {
    expect(text).toBe(readFileSync(join(ROOT, file), 'utf8').replace(/\n$/, ''));
  });

  it('quotes every example file', () => {
    expect(quoted.map((q) => q.file).sort()).toEqual(exampleFiles(join(ROOT, 'examples')).sort());
  });
});
