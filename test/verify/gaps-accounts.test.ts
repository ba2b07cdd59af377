/**
 * `gapCounter().report()`'s accounts of aegislog.dropped events, against a plain oracle over explicit numbers:
 * random clients of up to 300 numbers, some missing, with overlapping and wrong drop reports. The report finds
 * ranges by binary search and counts by prefix sums (a scan per report was quadratic in a client's gaps: 40,000
 * reports took 9 s); this checks that the search gives what counting number by number gives.
 */
import { expect, test } from 'vitest';
import { gapCounter } from '../../src/verify/index.js';
import { seededRandom } from '../support/seeded-random.js';

interface Drop {
  id: string;
  seq: number;
  count: number;
  first: number;
  last: number;
}

/** What each report accounts for: by last number, then first, each takes the lowest free numbers of its range. */
function oracle(missing: Set<number>, drops: Drop[]): { accounts: number[]; inRange: number[] } {
  const free = new Set(missing);
  const accounts = drops.map(() => 0);
  const order = drops.map((_, i) => i).sort((a, b) => drops[a]!.last - drops[b]!.last || drops[a]!.first - drops[b]!.first);
  for (const i of order) {
    const d = drops[i]!;
    for (let n = d.first; n <= d.last && accounts[i]! < d.count; n++) {
      if (free.delete(n)) accounts[i]!++;
    }
  }
  const inRange = drops.map((d) => [...missing].filter((n) => n >= d.first && n <= d.last).length);
  return { accounts, inRange };
}

for (let seed = 1; seed <= 40; seed++) {
  test(`seed ${seed}: accounts and notes as counted number by number`, () => {
    const random = seededRandom(seed);
    const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
    const highest = int(20, 300);
    const gaps = new Set<number>();
    // Runs of missing numbers, some long, some single.
    for (let runs = int(1, 40); runs > 0; runs--) {
      const at = int(1, highest - 1);
      for (let n = at; n < Math.min(highest, at + int(1, 12)); n++) gaps.add(n);
    }
    const drops: Drop[] = [];
    const seen = [...Array(highest).keys()].map((i) => i + 1).filter((n) => !gaps.has(n));
    const counter = gapCounter();
    for (const seq of seen) {
      const isDrop = random() < 0.3;
      if (!isDrop) {
        counter.addEvent({ event_id: `e${seq}`, event_type: 'x', client_id: 'c', client_seq: seq });
        continue;
      }
      const first = int(1, highest);
      const last = int(first, Math.min(highest, first + int(0, 40)));
      const count = int(1, last - first + 1);
      drops.push({ id: `d${seq}`, seq, count, first, last });
      counter.addEvent({ event_id: `d${seq}`, event_type: 'aegislog.dropped', client_id: 'c', client_seq: seq, count, first_seq: first, last_seq: last });
    }
    const [client] = counter.report().clients;
    const expected = oracle(gaps, drops);
    expect(client!.missingCount).toBe(gaps.size);
    expect(client!.dropped.map((d) => d.accounts)).toEqual(expected.accounts);
    expect(client!.accounted).toBe(expected.accounts.reduce((a, b) => a + b, 0));
    // A report claiming more than its range is missing is noted as such; one the others left short, as that.
    const claims = drops.map((d, i) => (d.count > expected.inRange[i]! ? `in ${d.first}–${d.last}, where ${expected.inRange[i]} numbers are missing` : expected.accounts[i]! < d.count ? 'already account' : ''));
    for (const [i, claim] of claims.entries()) {
      const note = client!.notes.find((n) => n.startsWith(`aegislog.dropped ${drops[i]!.id} `));
      if (claim) expect(note).toContain(claim);
      else expect(note).toBeUndefined();
    }
  });
}
