// A set of integers kept as runs, each run tagged (by the file it came from), for the loss count and its
// check of overlapping inputs (gaps.ts, gap-inputs.ts). An export in leaf order (as GET /export sends it)
// is a few runs however long it is, and any other order (a re-sorted or crafted file) costs O(log n) an
// entry, amortized: O(n log n) in all.
//
// Why not a sorted array of runs alone: an entry that opens a run between two others, or closes the hole
// between two, moves every run after it, O(runs) each and O(n²) in all for a shuffled file (200,000 lines,
// evens then odds, took 34 s). Here no run moves: an entry that extends a run, or starts one after the
// last, goes into it at once; one that would open a run between others waits in a map; runs that an entry
// made adjacent stay apart for now. Once the waiting entries and the pending joins are as many as the runs
// (or 1,024), one sorted pass merges them all into a new array.

/** Numbers a run takes in the flat array: lo, hi (exclusive), tag. */
const STRIDE = 3;
/** The waiting entries and pending joins that a merge may wait for, however few the runs: memory stays small. */
const MIN_BATCH = 1024;

export class Runs {
  /** [lo0, hi0, tag0, lo1, …]: sorted by lo, disjoint; two adjacent runs of one tag are joined at the next merge. */
  private runs: number[] = [];
  /** Entries not in a run yet, with their tags: disjoint from the runs. */
  private readonly waiting = new Map<number, number>();
  /** Adjacent runs of one tag not joined yet. */
  private unjoined = 0;

  /** Adds n under `tag`; when n is in the set already, the tag it was first added under, and nothing changes. */
  add(n: number, tag: number): number | undefined {
    const r = this.runs;
    const count = r.length / STRIDE;
    const k = this.firstEndingAfter(n);
    const at = k * STRIDE; // run k: the only one that can hold n, or the one n goes before
    if (k < count && r[at]! <= n) return r[at + 2];
    const waiting = this.waiting.get(n);
    if (waiting !== undefined) return waiting;
    if (k > 0 && r[at - 2] === n && r[at - 1] === tag) {
      r[at - 2] = n + 1;
      if (k < count && r[at] === n + 1 && r[at + 2] === tag) this.unjoined++;
    } else if (k < count && r[at] === n + 1 && r[at + 2] === tag) r[at] = n;
    else if (k === count) r.push(n, n + 1, tag);
    else this.waiting.set(n, tag);
    if (this.waiting.size + this.unjoined >= Math.max(MIN_BATCH, count)) this.merge();
    return undefined;
  }

  /** The set as sorted, disjoint runs [lo, hi) (hi exclusive), adjacent ones joined whatever their tags. */
  ranges(): [number, number][] {
    this.merge();
    const out: [number, number][] = [];
    const r = this.runs;
    for (let i = 0; i < r.length; i += STRIDE) {
      const last = out[out.length - 1];
      if (last && last[1] === r[i]) last[1] = r[i + 1]!;
      else out.push([r[i]!, r[i + 1]!]);
    }
    return out;
  }

  /** The index of the first run whose hi is above n (the run count when none is). */
  private firstEndingAfter(n: number): number {
    const r = this.runs;
    let lo = 0;
    let hi = r.length / STRIDE;
    if (hi === 0 || r[r.length - 2]! <= n) return hi; // in order: after the last run, found at once
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (r[mid * STRIDE + 1]! <= n) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The waiting entries, sorted, merged into the runs in one pass that also joins adjacent runs of one tag. */
  private merge(): void {
    if (this.waiting.size === 0 && this.unjoined === 0) return;
    const waiting = Float64Array.from(this.waiting.keys()).sort();
    const r = this.runs;
    const out: number[] = [];
    const put = (lo: number, hi: number, tag: number) => {
      const last = out.length - STRIDE;
      if (last >= 0 && out[last + 1] === lo && out[last + 2] === tag) out[last + 1] = hi;
      else out.push(lo, hi, tag);
    };
    let w = 0;
    for (let i = 0; i <= r.length; i += STRIDE) {
      const before = i < r.length ? r[i]! : Infinity;
      for (; w < waiting.length && waiting[w]! < before; w++) put(waiting[w]!, waiting[w]! + 1, this.waiting.get(waiting[w]!)!);
      if (i < r.length) put(r[i]!, r[i + 1]!, r[i + 2]!);
    }
    this.runs = out;
    this.waiting.clear();
    this.unjoined = 0;
  }
}
