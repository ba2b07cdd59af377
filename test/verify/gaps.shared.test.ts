// The gap counter (src/verify/gaps.ts): per client_id, the client_seq numbers missing from a set of
// events, the repeats, and the aegislog.dropped events that account for gaps. Events are made
// directly here (any order, several clients); export lines are built with real digests, and the
// client's own output is covered in test/cli/gaps.test.ts.
import { describe, expect, it } from 'vitest';
import { b64uEncode, eventDigest } from '../../src/protocol/index.js';
import { gapCounter } from '../../src/verify/index.js';

const ev = (client: string, seq: number, extra: Record<string, unknown> = {}) => ({
  tenant_id: 'acme', event_type: 'x', event_id: `${client}-${seq}-${Object.keys(extra).length}`, trace_id: 't', client_id: client, client_seq: seq, ...extra,
});
const dropped = (client: string, seq: number, count: number, first_seq: number, last_seq: number) =>
  ev(client, seq, { event_type: 'aegislog.dropped', count, first_seq, last_seq });

/** A deterministic shuffle (xorshift), so that a failure replays. */
function shuffled<T>(list: T[], seed = 7): T[] {
  const out = [...list];
  let x = seed;
  for (let i = out.length - 1; i > 0; i--) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    const j = Math.abs(x) % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function count(events: object[]) {
  const g = gapCounter();
  for (const e of events) g.addEvent(e);
  return g.report();
}

describe('gapCounter', () => {
  it('finds no gap in a complete set, whatever the order, for several clients', () => {
    const events = ['a', 'b', 'c'].flatMap((c, k) => Array.from({ length: 500 + k }, (_, i) => ev(c, i + 1)));
    const report = count(shuffled(events));
    expect(report.ok).toBe(true);
    expect(report.events).toBe(1503);
    expect(report.clients.map((c) => [c.clientId, c.seen, c.highest, c.missing, c.duplicates])).toEqual([
      ['a', 500, 500, [], []], ['b', 501, 501, [], []], ['c', 502, 502, [], []],
    ]);
  });

  it('finds exactly the gaps of a constructed set, as ranges, and the repeats', () => {
    const absent = new Set([1, 2, 50, 51, 52, 99, 150]);
    const events = Array.from({ length: 200 }, (_, i) => i + 1).filter((n) => !absent.has(n)).map((n) => ev('a', n));
    events.push(ev('a', 77, { again: true }));
    const report = count(shuffled(events, 3));
    const [a] = report.clients;
    expect(a!.missing).toEqual([[1, 2], [50, 52], [99, 99], [150, 150]]);
    expect(a!.missingCount).toBe(7);
    expect(a!.unaccounted).toBe(7);
    // The repeat is whichever of the two arrived second.
    expect(a!.duplicates).toEqual([{ seq: 77, eventId: expect.stringMatching(/^a-77-[01]$/) }]);
    expect(report.ok).toBe(false);
  });

  it('agrees with a plain set on random inputs', () => {
    let x = 12345;
    const rand = (n: number) => ((x = (x * 1103515245 + 12345) % 2 ** 31), x % n);
    for (let round = 0; round < 200; round++) {
      const size = 1 + rand(300);
      const seqs = Array.from({ length: rand(size * 2) }, () => 1 + rand(size));
      const report = count(seqs.map((n) => ev('r', n)));
      const set = new Set(seqs);
      const highest = Math.max(0, ...set);
      const expected: number[] = [];
      for (let n = 1; n <= highest; n++) if (!set.has(n)) expected.push(n);
      const got = (report.clients[0]?.missing ?? []).flatMap(([lo, hi]) => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i));
      expect(got).toEqual(expected);
      expect(report.clients[0]?.duplicateCount ?? 0).toBe(seqs.length - set.size);
      expect(report.clients[0]?.seen ?? 0).toBe(set.size);
    }
  });

  // Orders that defeat runs once cost O(n²) (a range inserted or removed in the middle of a sorted array each
  // time); bench/cli-audit-bench.mjs has the figures. Here: the same answer as a plain set, with holes and repeats.
  it.each([
    ['shuffled', (seqs: number[]) => shuffled(seqs, 11)],
    ['descending', (seqs: number[]) => [...seqs].reverse()],
    ['evens, then odds', (seqs: number[]) => [...seqs.filter((n) => n % 2 === 0), ...seqs.filter((n) => n % 2 === 1)]],
    ['odds ascending between evens descending', (seqs: number[]) => {
      const evens = seqs.filter((n) => n % 2 === 0).reverse();
      return seqs.filter((n) => n % 2 === 1).flatMap((n, i) => (i < evens.length ? [n, evens[i]!] : [n]));
    }],
  ])('agrees with a plain set on 100,000 numbers, %s', (_, order) => {
    // Every number up to 100,000 but those that 7 divides, and every 1,000th number twice.
    const seqs = Array.from({ length: 100_000 }, (_, i) => i + 1).filter((n) => n % 7 !== 0);
    const input = order([...seqs, ...seqs.filter((n) => n % 1000 === 1)]);
    const g = gapCounter();
    for (const n of input) g.addEvent({ client_id: 'r', client_seq: n, event_id: `e${n}` });
    const [client] = g.report().clients;
    const seen = new Set<number>();
    const repeats: number[] = [];
    for (const n of input) if (seen.size === seen.add(n).size) repeats.push(n);
    const highest = Math.max(...seen);
    expect(client!.highest).toBe(highest);
    expect(client!.seen).toBe(seen.size);
    expect(client!.missing).toEqual(Array.from({ length: Math.floor(highest / 7) }, (_, i) => [7 * (i + 1), 7 * (i + 1)]));
    expect(client!.duplicates.map((d) => d.seq)).toEqual(repeats);
  });

  it('counts the gaps an aegislog.dropped event accounts for, and says what no event accounts for', () => {
    const events = [1, 2, 3, 6, 7, 9, 12].map((n) => ev('a', n));
    events.push(dropped('a', 8, 2, 4, 5)); // drops 4 and 5, told as number 8
    const [a] = count(events).clients;
    expect(a!.missing).toEqual([[4, 5], [10, 11]]);
    expect(a!.dropped).toEqual([{ eventId: 'a-8-4', seq: 8, count: 2, firstSeq: 4, lastSeq: 5, accounts: 2 }]);
    expect(a!.accounted).toBe(2);
    expect(a!.unaccounted).toBe(2);
  });

  it('is ok when every gap is accounted for; notes a drop report that claims more than is missing', () => {
    expect(count([1, 2, 5].map((n) => ev('a', n)).concat(dropped('a', 6, 2, 3, 4))).ok).toBe(true);
    const over = count([1, 2, 3, 4].map((n) => ev('a', n)).concat(dropped('a', 5, 2, 3, 4)));
    expect(over.ok).toBe(false);
    expect(over.clients[0]!.notes).toEqual(['aegislog.dropped a-5-4 reports 2 drops in 3–4, where 0 numbers are missing']);
    const bad = count([dropped('b', 1, 3, 5, 4)]);
    expect(bad.clients[0]!.notes[0]).toMatch(/malformed/);
  });

  it('never counts one missing number for two overlapping aegislog.dropped events', () => {
    // 5 and 9 are missing; two reports each tell the drop of 5. Nothing tells 9.
    const seqs = [1, 2, 3, 4, 6, 7, 8, 10];
    const report = count([...seqs.map((n) => ev('c', n)), dropped('c', 11, 1, 5, 5), dropped('c', 12, 1, 5, 5)]);
    const c = report.clients[0]!;
    expect(c.missing).toEqual([[5, 5], [9, 9]]);
    expect([c.accounted, c.unaccounted]).toEqual([1, 1]);
    expect(c.dropped.map((d) => d.accounts).sort()).toEqual([0, 1]);
    expect(c.notes).toEqual([expect.stringContaining('other aegislog.dropped events already account')]);
    expect(report.ok).toBe(false);
  });

  it('accounts for as many missing numbers as the best matching of drop reports to numbers, on random inputs', () => {
    let x = 12345;
    const rand = (n: number) => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), Math.abs(x) % n);
    for (let trial = 0; trial < 300; trial++) {
      const highest = 8 + rand(12);
      const missing = new Set<number>();
      for (let n = 1; n <= highest; n++) if (rand(3) === 0) missing.add(n);
      missing.delete(highest);
      const reports = Array.from({ length: rand(4) }, () => {
        const first = 1 + rand(highest - 1);
        const last = first + rand(highest - first);
        const inRange = [...missing].filter((n) => n >= first && n <= last).length;
        return { count: Math.max(1, Math.min(1 + rand(3), inRange)), first, last };
      })
        .filter((r) => [...missing].some((n) => n >= r.first && n <= r.last))
        .map((r, k) => ({ ...r, seq: highest + 1 + k })); // the reports' own numbers follow, with no gap
      const events = [...Array.from({ length: highest }, (_, i) => i + 1)].filter((n) => !missing.has(n)).map((n) => ev('c', n));
      const c = count([...events, ...reports.map((r) => dropped('c', r.seq, r.count, r.first, r.last))]).clients[0]!;
      // The best matching, by augmenting paths over report slots (one slot per count).
      const slots = reports.flatMap((r) => Array.from({ length: r.count }, () => r));
      const owner = new Map<number, number>();
      const augment = (s: number, seen: Set<number>): boolean => {
        for (const n of missing) {
          if (n < slots[s]!.first || n > slots[s]!.last || seen.has(n)) continue;
          seen.add(n);
          if (!owner.has(n) || augment(owner.get(n)!, seen)) return owner.set(n, s), true;
        }
        return false;
      };
      const best = slots.filter((_, s) => augment(s, new Set())).length;
      expect(c.accounted, `trial ${trial}`).toBe(best);
      expect(c.accounted + c.unaccounted).toBe(missing.size);
    }
  });

  it('leaves events without client_id and client_seq out of the count, and says how many', () => {
    const report = count([ev('a', 1), { tenant_id: 'acme', event_type: 'python', event_id: 'p1' }, { client_id: 'a', client_seq: 0 }]);
    expect(report.unnumbered).toBe(2);
    expect(report.clients).toHaveLength(1);
    expect(report.ok).toBe(true);
  });
});

describe('gapCounter.addLine: export lines (PROTOCOL.md §6.2, events=true)', () => {
  const line = (event: Record<string, unknown>, override: Record<string, unknown> = {}) =>
    JSON.stringify({ v: 1, tenant_id: event.tenant_id, event_id: event.event_id, trace_id: event.trace_id, digest_b64url: b64uEncode(eventDigest(event)), leaf_index: 0, event, ...override });

  it('skips the header, counts each event that matches its receipt, and refuses the rest by line', () => {
    const g = gapCounter();
    const lines = [
      JSON.stringify({ v: 2, kind: 'aegislog-export', origin: 'log.example', tenant_head: null }),
      line(ev('a', 1)),
      line(ev('a', 2), { event: { ...ev('a', 2), client_seq: 3 } }), // the event was changed after the receipt
      line(ev('a', 4), { event: undefined }), // exported without events=true
      line(ev('a', 5), { event_id: 'other' }),
      '{not json',
      line(ev('a', 6)),
    ];
    lines.forEach((text, i) => g.addLine(text, { line: i + 1, source: 'export.ndjson' }));
    const report = g.report();
    expect(report.refused).toEqual([
      { line: 3, source: 'export.ndjson', reason: expect.stringContaining("does not hash to its receipt's digest_b64url") },
      { line: 4, source: 'export.ndjson', reason: 'no event: fetch the export with events=true' },
      { line: 5, source: 'export.ndjson', reason: expect.stringContaining("is not the receipt's") },
      { line: 6, source: 'export.ndjson', reason: 'not JSON' },
    ]);
    expect(report.clients[0]!.missing).toEqual([[2, 5]]);
    expect(report.ok).toBe(false);
  });
});
