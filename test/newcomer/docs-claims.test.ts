// Small claims the pages make about the package, held to package.json and the sources.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './project.js';

/** README.md and docs/*.md, without the copies of the specs. */
const pages = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md') && !/^(PROTOCOL|ARCHITECTURE)/.test(f)).map((f) => `docs/${f}`)];
const text = (page: string) => readFileSync(join(ROOT, page), 'utf8');

describe('the pages', () => {
  it('name the Node.js versions that package.json supports', () => {
    const engines = (JSON.parse(text('package.json')) as { engines: { node: string } }).engines.node;
    const least = Number(/^>=(\d+)$/.exec(engines)![1]);
    const claims = pages.flatMap((page) => [...text(page).matchAll(/Node(?:\.js)? (?:≥|>=) ?(\d+)/g)].map((m) => `${page}: ${m[0]}`));
    expect(claims.filter((claim) => Number(/(\d+)$/.exec(claim)![1]) !== least)).toEqual([]);
  });
});
