// gapInputCheck finds an entry given twice by its tenant log and leaf index, in any order of lines and files:
// checked here against a plain set, with random runs of entries split over files and shuffled within them.
import { describe, expect, it } from 'vitest';
import { gapInputCheck } from '../../src/verify/gap-inputs.js';

const header = (origin: string) => JSON.stringify({ v: 2, kind: 'aegislog-export', origin, tenant_head: null });
const receipt = (tenant: string, leaf: number) => JSON.stringify({ tenant_id: tenant, leaf_index: leaf, event_id: `e${leaf}` });

/** A small deterministic generator: the test is the same on every run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('gapInputCheck', () => {
  it('refuses the first entry seen before, and only that one, on random inputs', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const rnd = random(seed);
      const inputs = gapInputCheck();
      const seen = new Set<string>();
      let refused: string | undefined;
      let expected: string | undefined;
      for (let f = 0; f < 4 && refused === undefined; f++) {
        const check = inputs.file(`f${f}`);
        const lines: string[] = [];
        const origin = rnd() < 0.5 ? 'a.test/log' : 'b.test/log';
        const lo = Math.floor(rnd() * 40);
        const leaves = Array.from({ length: 1 + Math.floor(rnd() * 12) }, (_, k) => lo + k);
        if (rnd() < 0.3) leaves.reverse();
        else if (rnd() < 0.3) leaves.sort(() => rnd() - 0.5);
        for (const leaf of leaves) {
          const key = `${origin} ${leaf}`;
          if (expected === undefined && seen.has(key)) expected = key;
          seen.add(key);
          lines.push(receipt('t', leaf));
        }
        for (const text of [header(origin), ...lines]) {
          const problem = check.line(text);
          if (problem) {
            refused = problem;
            break;
          }
        }
        if (expected !== undefined) break;
      }
      if (expected === undefined) expect(refused).toBeUndefined();
      else {
        const [origin, leaf] = expected.split(' ');
        expect(refused).toContain(`${origin} t: entry ${leaf}`);
      }
    }
  });

  it('tells apart tenants and logs, and skips lines that name no entry', () => {
    const inputs = gapInputCheck();
    const a = inputs.file('a');
    for (const text of [header('x.test/log'), receipt('t', 0), receipt('u', 0), '', 'not json', '{"tenant_id":"t"}']) expect(a.line(text)).toBeUndefined();
    const b = inputs.file('b');
    expect(b.line(header('y.test/log'))).toBeUndefined();
    expect(b.line(receipt('t', 0))).toBeUndefined();
    expect(b.line(header('x.test/log'))).toBeUndefined();
    expect(b.line(receipt('t', 1))).toBeUndefined();
    expect(b.line(receipt('u', 0))).toMatch(/^b and a overlap \(x\.test\/log u: entry 0\)/);
  });
});
