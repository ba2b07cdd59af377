// gapInputCheck finds an entry given twice by its tenant log and leaf index, in any order of lines and files:
// checked here against a plain set, with random runs of entries split over files and shuffled within them,
// and with 100,000 entries in the orders that defeat runs (shuffled, descending, evens then odds, two files
// that interleave), each with an entry given twice planted in it. Those once cost O(n²) (a run inserted or
// removed in the middle of a sorted array each time): bench/cli-audit-bench.mjs has the figures.
import { describe, expect, it } from 'vitest';
import { gapInputCheck } from '../../src/verify/gap-inputs.js';

const header = (origin: string) => JSON.stringify({ v: 2, kind: 'aegislog-export', origin, tenant_head: null });
const receipt = (tenant: string, leaf: number) => JSON.stringify({ tenant_id: tenant, leaf_index: leaf, event_id: `e${leaf}` });

/** A small deterministic generator: the test is the same on every run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** One file of a scenario: its name, and the entries its receipt lines hold, in order. */
interface File {
  name: string;
  origin: string;
  leaves: number[];
}

/** The first message gapInputCheck gives for the files, fed one after another (header first). */
function firstRefusal(files: File[]): string | undefined {
  const inputs = gapInputCheck();
  for (const { name, origin, leaves } of files) {
    const check = inputs.file(name);
    const problem = check.line(header(origin)) ?? leaves.map((leaf) => check.line(receipt('t', leaf))).find((p) => p !== undefined);
    if (problem) return problem;
  }
  return undefined;
}

/** What a plain map from entry to the file that first held it says of the same files: the model. */
function modelRefusal(files: File[]): string | undefined {
  const first = new Map<string, number>();
  const fix = 'give each period once, the latest export of an open one';
  for (const [f, { name, origin, leaves }] of files.entries()) {
    for (const leaf of leaves) {
      const other = first.get(`${origin} ${leaf}`);
      if (other === undefined) {
        first.set(`${origin} ${leaf}`, f);
        continue;
      }
      const log = `${origin} t`;
      if (other === f) return `${name} holds entry ${leaf} of ${log} twice: ${fix}`;
      if (files[other]!.name === name) return `${name} is given twice (${log}: entry ${leaf}): ${fix}`;
      return `${name} and ${files[other]!.name} overlap (${log}: entry ${leaf}): ${fix}`;
    }
  }
  return undefined;
}

function shuffle<T>(list: T[], rnd: () => number): T[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}

const N = 100_000;
const LOG = 'a.test/log';
const all = Array.from({ length: N }, (_, i) => i);
const evens = all.filter((i) => i % 2 === 0);
const odds = all.filter((i) => i % 2 === 1);
/** Orders of 100,000 entries of one log over one or two files, none given twice. */
const orders: [string, () => File[]][] = [
  ['shuffled', () => [{ name: 'a', origin: LOG, leaves: shuffle([...all], random(1)) }]],
  ['descending', () => [{ name: 'a', origin: LOG, leaves: [...all].reverse() }]],
  ['evens, then odds', () => [{ name: 'a', origin: LOG, leaves: [...evens, ...odds] }]],
  ['two files that interleave (evens in one, odds in the other)', () => [{ name: 'a', origin: LOG, leaves: evens }, { name: 'b', origin: LOG, leaves: odds }]],
  ['two shuffled files (evens in one, odds in the other)', () => [
    { name: 'a', origin: LOG, leaves: shuffle([...evens], random(2)) }, { name: 'b', origin: LOG, leaves: shuffle([...odds], random(3)) },
  ]],
];

describe('gapInputCheck: 100,000 entries in orders that defeat runs', () => {
  it.each(orders)('%s: no entry twice, nothing refused', (_, files) => {
    const set = files();
    expect(modelRefusal(set)).toBeUndefined();
    expect(firstRefusal(set)).toBeUndefined();
  });

  it.each(orders)('%s: the first entry given twice is the one refused, as a plain map finds it', (_, files) => {
    for (let seed = 1; seed <= 3; seed++) {
      const rnd = random(seed);
      const set = files();
      // An entry again inside a file (somewhere after its first place), and a third file holding a few entries.
      const a = set[0]!.leaves;
      const at = 1 + Math.floor(rnd() * (a.length - 1));
      a.splice(at, 0, a[Math.floor(rnd() * at)]!);
      set.push({ name: seed === 2 ? 'a' : 'c', origin: LOG, leaves: [N + 5, Math.floor(rnd() * N), 3] });
      const expected = modelRefusal(set);
      expect(expected).toBeDefined();
      expect(firstRefusal(set)).toBe(expected);
      // Without the repeat inside the file, the third file is the one refused.
      a.splice(at, 1);
      const across = modelRefusal(set);
      expect(across).toMatch(/ (overlap|is given twice) /);
      expect(firstRefusal(set)).toBe(across);
    }
  });
});

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
