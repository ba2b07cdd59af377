import { b64uEncode } from '../protocol/base64url.js';
import { canonicalBytes } from '../protocol/jcs.js';
import { sha256 } from '../protocol/statements.js';
import { DuplicateNameError, parseStrictJson } from '../protocol/duplicate-names.js';
import { Runs } from './runs.js';

/**
 * Loss an auditor can see (PROTOCOL.md §2). A client numbers the records of
 * each queue store 1, 2, 3… (`client_seq`, under the store's random
 * `client_id`), dropped ones included, and tells its drops in `aegislog.dropped`
 * events `{count, first_seq, last_seq}`. Fed the events of one or several
 * exports (in any order), this lists per `client_id` the numbers that never
 * arrived, as ranges, which of them dropped events account for, and numbers
 * seen twice. It streams: memory grows with the number of clients and gaps, not
 * of events (seen numbers are kept as ranges, and records arrive mostly in order).
 *
 * What it cannot see: loss after a client's highest number in the input (a
 * store evicted with its last undelivered events, a client that stopped), and
 * records lost before their write took a number. `highest` says where a
 * client's evidence ends.
 */
export interface GapReport {
  /** No line refused, no number seen twice, and every missing number accounted for by an aegislog.dropped event. */
  ok: boolean;
  /** Events counted. */
  events: number;
  /** Events without both `client_id` and `client_seq` (recordSync, the Python SDK, other senders): nothing to count for them. */
  unnumbered: number;
  clients: ClientGaps[];
  /** Lines not counted, and why (not JSON, no event, an event that does not match its receipt): the first 100. */
  refused: { line: number; source?: string; reason: string }[];
  /** Lines not counted, all of them (`refused` lists the first 100). */
  refusedCount: number;
}

export interface ClientGaps {
  clientId: string;
  /** Distinct numbers seen. */
  seen: number;
  /** The highest number seen: loss after it is out of this input's sight. */
  highest: number;
  /** Numbers in [1, highest] never seen, as inclusive ranges. */
  missing: [number, number][];
  missingCount: number;
  /** Numbers seen more than once, with the event that carried each repeat: the first 100. */
  duplicates: { seq: number; eventId: string }[];
  /** Repeats, all of them (`duplicates` lists the first 100). */
  duplicateCount: number;
  /** This client's aegislog.dropped events: the first 100. */
  dropped: DroppedEvent[];
  /** Its well-formed aegislog.dropped events, all of them (`dropped` lists the first 100; every one is accounted with). */
  droppedCount: number;
  /** Missing numbers that its aegislog.dropped events account for: each for at most `count` missing numbers of its range, each number for one event. */
  accounted: number;
  /** Missing numbers that no aegislog.dropped event accounts for. */
  unaccounted: number;
  /** What does not add up: a drop report that claims more drops than its range is missing (or than other reports left it), or is malformed: the first 100. */
  notes: string[];
  /** Such notes, all of them (`notes` lists the first 100). */
  noteCount: number;
}

export interface DroppedEvent {
  eventId: string;
  seq: number;
  count: number;
  firstSeq: number;
  lastSeq: number;
  /** Missing numbers of [firstSeq, lastSeq] this event accounts for. */
  accounts: number;
}

/** Refused lines, and each client's repeats, listed at most: an export fetched without events=true has every line refused, and a sender that numbers every event alike repeats one number for each. */
const LISTED = 100;

export interface GapCounter {
  /** Counts one event (already checked against its receipt, or the caller's own). */
  addEvent(event: unknown): void;
  /**
   * Counts one line of a period export fetched with `events=true` (PROTOCOL.md §6.2): the header is
   * skipped; a receipt line counts only if its `event` hashes to the receipt's `digest_b64url` and
   * carries its `event_id`, `tenant_id` and `trace_id`.
   */
  addLine(line: string, where?: { line: number; source?: string }): void;
  report(): GapReport;
}

interface Client {
  /** Seen numbers, as runs (one tag: every number is the client's). */
  numbers: Runs;
  seen: number;
  duplicates: { seq: number; eventId: string }[];
  duplicateCount: number;
  /** The first reports, as listed. */
  dropped: Omit<DroppedEvent, 'accounts'>[];
  /** Every well-formed report as firstSeq, lastSeq, count: three numbers, no object, since a sender can write millions. */
  drops: number[];
  notes: string[];
  noteCount: number;
}

/**
 * Counts, per `client_id`, the `client_seq` numbers missing from one or several period exports
 * fetched with `events=true` (PROTOCOL.md §2), and which of them `aegislog.dropped` events
 * account for: `addLine` each line (or `addEvent` each checked event), then `report()`. What
 * `aegislog audit --gaps` prints.
 */
export function gapCounter(): GapCounter {
  return gapLineCounter();
}

/**
 * One line of an export read once (JSON, each member name once: parseStrictJson), for the counter and
 * `gapInputCheck` alike: `aegislog audit --gaps` and the loss panel hand both the same reading, where each
 * once parsed and scanned every line on its own (a tenth of the command's time).
 */
export type GapLine = { blank: true } | { value: unknown } | { refused: string };

/** A line of blanks (or none): no content, nothing to count. */
const BLANK: GapLine = Object.freeze({ blank: true as const });

export function readGapLine(text: string): GapLine {
  if (text.trim() === '') return BLANK;
  try {
    return { value: parseStrictJson(text) };
  } catch (error) {
    return { refused: error instanceof DuplicateNameError ? error.message : 'not JSON' };
  }
}

/** The gap counter, with `addRead`: a line already read by `readGapLine` (not public: `gapCounter` is). */
export function gapLineCounter(): GapCounter & { addRead(read: GapLine, where?: { line: number; source?: string }): void } {
  const clients = new Map<string, Client>();
  const refused: GapReport['refused'] = [];
  let refusedCount = 0;
  let events = 0;
  let unnumbered = 0;
  let lines = 0;

  function addEvent(event: unknown): void {
    events++;
    const e = (event ?? {}) as Record<string, unknown>;
    const id = e.client_id;
    const seq = e.client_seq;
    if (typeof id !== 'string' || !Number.isSafeInteger(seq) || (seq as number) < 1) return void unnumbered++;
    let c = clients.get(id);
    if (!c) clients.set(id, (c = { numbers: new Runs(), seen: 0, duplicates: [], duplicateCount: 0, dropped: [], drops: [], notes: [], noteCount: 0 }));
    if (c.numbers.add(seq as number, 0) === undefined) c.seen++;
    else if (c.duplicateCount++ < LISTED) c.duplicates.push({ seq: seq as number, eventId: shown(e.event_id) });
    if (e.event_type === 'aegislog.dropped') {
      const { count, first_seq, last_seq } = e;
      const ints = [count, first_seq, last_seq].every((n) => Number.isSafeInteger(n) && (n as number) >= 1);
      if (!ints || (first_seq as number) > (last_seq as number) || (count as number) > (last_seq as number) - (first_seq as number) + 1) {
        if (c.noteCount++ < LISTED) c.notes.push(`aegislog.dropped ${shown(e.event_id)} is malformed (count ${shown(count)}, first_seq ${shown(first_seq)}, last_seq ${shown(last_seq)})`);
      } else {
        if (c.drops.length < LISTED * 3) c.dropped.push({ eventId: shown(e.event_id), seq: seq as number, count: count as number, firstSeq: first_seq as number, lastSeq: last_seq as number });
        c.drops.push(first_seq as number, last_seq as number, count as number);
      }
    }
  }

  function addLine(text: string, where: { line: number; source?: string } = { line: lines + 1 }): void {
    addRead(readGapLine(text), where);
  }

  function addRead(read: GapLine, where: { line: number; source?: string } = { line: lines + 1 }): void {
    lines++;
    if ('blank' in read) return;
    const refuse = (reason: string) => {
      if (refusedCount++ < LISTED) refused.push({ ...where, reason });
    };
    if ('refused' in read) return refuse(read.refused);
    const value = read.value as Record<string, unknown>;
    if (value?.kind === 'aegislog-export') return; // the header (§6.2)
    const event = value?.event as Record<string, unknown> | undefined;
    if (typeof event !== 'object' || event === null) return refuse('no event: fetch the export with events=true');
    if (event.event_id !== value.event_id || event.tenant_id !== value.tenant_id || event.trace_id !== value.trace_id) return refuse(`the event is not the receipt's (event_id ${String(value.event_id)})`);
    let digest: string;
    try {
      // Plain RFC 8785, as the export audit's events check digests it (read.ts digestOf): §1's bound on integers guards senders.
      digest = b64uEncode(sha256(canonicalBytes(event, { safeIntegersOnly: false })));
    } catch (error) {
      return refuse(`the event cannot be canonicalised: ${(error as Error).message}`); // as the export audit says it
    }
    if (digest !== value.digest_b64url) return refuse(`the event of ${String(value.event_id)} does not hash to its receipt's digest_b64url`);
    addEvent(event);
  }

  function report(): GapReport {
    const out: ClientGaps[] = [];
    for (const [clientId, c] of [...clients].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const seen = c.numbers.ranges();
      const missing = gapsOf(seen);
      const missingCount = missing.reduce((n, [lo, hi]) => n + hi - lo + 1, 0);
      const notes = [...c.notes];
      let noteCount = c.noteCount;
      const note = (text: () => string) => {
        if (noteCount++ < LISTED) notes.push(text());
      };
      const accounts = matchDrops(missing, c.drops);
      const missingUpTo = countUpTo(missing);
      const dropped: DroppedEvent[] = [];
      for (let i = 0; i < accounts.length; i++) {
        const firstSeq = c.drops[3 * i]!;
        const lastSeq = c.drops[3 * i + 1]!;
        const count = c.drops[3 * i + 2]!;
        // Past the listed reports, the event ID is not kept: the report's place among the client's reports names it.
        const name = () => (i < c.dropped.length ? c.dropped[i]!.eventId : `report #${i + 1}`);
        const inRange = missingUpTo(lastSeq) - missingUpTo(firstSeq - 1);
        if (count > inRange) note(() => `aegislog.dropped ${name()} reports ${count} drops in ${firstSeq}–${lastSeq}, where ${inRange} numbers are missing`);
        else if (accounts[i]! < count) note(() => `aegislog.dropped ${name()} reports ${count} drops in ${firstSeq}–${lastSeq}, where other aegislog.dropped events already account for all but ${accounts[i]} of the missing numbers`);
        if (i < c.dropped.length) dropped.push({ ...c.dropped[i]!, accounts: accounts[i]! });
      }
      const accounted = accounts.reduce((n, a) => n + a, 0);
      out.push({
        clientId,
        seen: c.seen,
        highest: (seen.at(-1)?.[1] ?? 1) - 1,
        missing,
        missingCount,
        duplicates: c.duplicates,
        duplicateCount: c.duplicateCount,
        dropped,
        droppedCount: accounts.length,
        accounted,
        unaccounted: missingCount - accounted,
        notes,
        noteCount,
      });
    }
    const ok = refusedCount === 0 && out.every((c) => c.unaccounted === 0 && c.duplicateCount === 0 && c.noteCount === 0);
    return { ok, events, unnumbered, clients: out, refused: [...refused], refusedCount };
  }

  return { addEvent, addLine, addRead, report };
}

/**
 * A value of the caller's event as text, for a note: what `${}` or String() would throw on (a Symbol, an object
 * without a prototype) or spell badly (`[object Object]`, `1,2` for an array) is written as JSON or by its kind.
 */
function shown(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return value.toString();
    case 'object':
      if (value === null) return 'null';
      try {
        return JSON.stringify(value) ?? 'an object';
      } catch {
        return 'an object';
      }
    case 'function':
      return 'a function';
    default:
      return String(value);
  }
}

/**
 * How many missing numbers each drop report accounts for, each number for one report at most: reports
 * taken by their last number, each taking the lowest numbers of its range still free (this greedy
 * accounts for as many numbers as any assignment can). Overlapping reports cannot count one number twice.
 */
function matchDrops(missing: readonly [number, number][], drops: readonly number[]): number[] {
  const reports = drops.length / 3;
  // Free ranges, highest first: reports go by their last number, so the lowest ranges are taken first, and they sit
  // at the array's end, where removing or splitting one moves few others (from the front: quadratic in the gaps).
  const free = missing.map(([lo, hi]) => [lo, hi] as [number, number]).reverse();
  const order = Array.from({ length: reports }, (_, i) => i).sort((a, b) => drops[3 * a + 1]! - drops[3 * b + 1]! || drops[3 * a]! - drops[3 * b]!);
  const taken: number[] = new Array<number>(reports).fill(0);
  for (const i of order) {
    const firstSeq = drops[3 * i]!;
    const lastSeq = drops[3 * i + 1]!;
    const count = drops[3 * i + 2]!;
    // The lowest range that holds a number ≥ firstSeq is found by search; higher ones follow at lower indexes.
    for (let r = prefixWhere(free, (range) => range[1] >= firstSeq) - 1; r >= 0 && taken[i]! < count; r--) {
      const range = free[r]!;
      if (range[0] > lastSeq) break;
      const lo = Math.max(range[0], firstSeq);
      const n = Math.min(count - taken[i]!, Math.min(range[1], lastSeq) - lo + 1);
      taken[i]! += n;
      // What is left of the range, highest first: above the numbers taken, and below lo.
      const left: [number, number][] = [];
      if (lo + n <= range[1]) left.push([lo + n, range[1]]);
      if (range[0] < lo) left.push([range[0], lo - 1]);
      free.splice(r, 1, ...left);
    }
  }
  return taken;
}

/** How many of `ranges` come before the first for which `before` fails (it holds for a prefix of them): a binary search. */
function prefixWhere(ranges: readonly [number, number][], before: (range: readonly [number, number]) => boolean): number {
  let lo = 0;
  let hi = ranges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(ranges[mid]!)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How many numbers of the sorted, disjoint `ranges` are ≤ n, in O(log ranges) a call after O(ranges) once. */
function countUpTo(ranges: readonly [number, number][]): (n: number) => number {
  const before: number[] = [0];
  for (const [lo, hi] of ranges) before.push(before.at(-1)! + hi - lo + 1);
  return (n) => {
    const k = prefixWhere(ranges, (range) => range[1] < n);
    // Ranges 0…k−1 lie wholly at or below n; range k holds n's neighbours, above or below it.
    const partial = k < ranges.length ? Math.max(0, n - ranges[k]![0] + 1) : 0;
    return before[k]! + partial;
  };
}

/** The numbers in [1, highest] that the sorted runs [lo, hi) of numbers seen miss, as inclusive ranges. */
function gapsOf(seen: [number, number][]): [number, number][] {
  const gaps: [number, number][] = [];
  let next = 1;
  for (const [lo, hi] of seen) {
    if (lo > next) gaps.push([next, lo - 1]);
    next = hi;
  }
  return gaps;
}
