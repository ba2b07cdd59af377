import { AegisLogError, tenantHeadHash } from '../protocol/index.js';
import type { SealCommit, SignatureWrite, StoredCheckpoint, StoredHead } from './types.js';

/** A store's refusal of a tile it does not hold (`where`: `log "acme"`): typed, so that a read error is not taken for one. */
export function missingTile(ref: { level: number | 'entries'; index: number; width: number }, where: string): AegisLogError {
  return new AegisLogError('ERR_TILE_MISSING', `no tile ${ref.level}/${ref.index} of width ${ref.width} in ${where}`);
}

/**
 * Root-log order (§4.3): tenant ids bytewise as UTF-8. JS compares UTF-16 code
 * units, which differs from UTF-8 byte order only between astral characters and
 * U+E000..U+FFFF; tenant ids are ASCII by §2, so the two orders agree here.
 */
export function compareTenantIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Why a seal's period is none: `[start, end)` must hold a millisecond (§4.2), else it is no period of the history. */
export function sealPeriodError(seal: Pick<SealCommit, 'period_start' | 'period_end'>): AegisLogError | undefined {
  if (seal.period_start < seal.period_end) return undefined;
  return new AegisLogError('ERR_PERIOD_ORDER', `period ${seal.period_start} .. ${seal.period_end} does not end after it starts`);
}

/** Why a seal may not follow `latest`: sealed periods form one gap-free, append-only history. */
export function sealOrderError(latest: StoredCheckpoint | undefined, seal: SealCommit, rootSize: number): AegisLogError | undefined {
  const empty = sealPeriodError(seal);
  if (empty) return empty;
  if (latest && seal.period_start < latest.period_end) {
    return new AegisLogError('ERR_ALREADY_SEALED', `period ${seal.period_start} is already sealed`);
  }
  if (latest && latest.period_end !== seal.period_start) {
    return new AegisLogError('ERR_PERIOD_ORDER', `period ${seal.period_start} does not start where the last sealed period ended (${latest.period_end})`);
  }
  if (seal.heads.some((h, i) => h.headIndex !== rootSize + i)) {
    return new AegisLogError('ERR_PERIOD_ORDER', `the heads must take root-log indexes from ${rootSize} on`);
  }
  if (seal.rootSize !== rootSize + seal.heads.length) return new AegisLogError('ERR_PERIOD_ORDER', 'rootSize does not count the new heads');
  return undefined;
}

/**
 * The event text (UTF-16 units) one `records` page carries at most, past its first record: an export streams
 * a page at a time, and 500 events of up to 1 MiB each held half a gigabyte per export in memory.
 */
export const RECORDS_PAGE_CHARS = 4 * 1024 * 1024;

/** The leading rows of a `records` page that fit RECORDS_PAGE_CHARS (always the first): rows past it are not read. */
export function recordsPage<T>(rows: Iterable<T>, charsOf: (row: T) => number): T[] {
  const page: T[] = [];
  let chars = 0;
  for (const row of rows) {
    chars += charsOf(row);
    if (page.length > 0 && chars > RECORDS_PAGE_CHARS) break;
    page.push(row);
  }
  return page;
}

/** The root log's entry for a head (§4.3). */
export function headEntry(head: StoredHead): Uint8Array {
  return tenantHeadHash(head.head);
}

/** Binary search in a non-decreasing sequence: the count of leading items below `time`. */
export function countBefore(length: number, timeAt: (i: number) => string, time: string): number {
  let [lo, hi] = [0, length];
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (timeAt(mid) < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Why a `putSignatures` list may not be kept, naming the first bad field. Stores check the whole list before
 * queueing any of it: they keep signatures in a commit shared with other writes, and one bad item would fail
 * them all.
 */
export function signatureWritesError(list: readonly SignatureWrite[]): AegisLogError | undefined {
  for (const [i, s] of list.entries()) {
    const bad = (name: string, what: string) => {
      const field = name ? `signatures[${i}].${name}` : `signatures[${i}]`;
      return new AegisLogError('ERR_SCHEMA_INVALID', `${field} must be ${what}`, { field });
    };
    if (typeof s !== 'object' || s === null) return bad('', 'an object');
    if (typeof s.tenantId !== 'string' || s.tenantId === '') return bad('tenantId', 'a non-empty string');
    if (typeof s.eventId !== 'string' || s.eventId === '') return bad('eventId', 'a non-empty string');
    if (!Number.isSafeInteger(s.leafIndex) || s.leafIndex < 0) return bad('leafIndex', 'a non-negative integer');
    if (typeof s.signature_b64url !== 'string' || s.signature_b64url === '') return bad('signature_b64url', 'a non-empty string');
  }
  return undefined;
}

/**
 * The stored note with the signature lines of `note` that it lacks; `note` itself when the two are not over one text.
 * `updateNote`'s callers read the note, add a witness's cosignature and write it back: processes that share a store
 * (serve processes on one database, Workers on one root object) each doing so must not drop each other's lines.
 */
export function mergeNotes(stored: string, note: string): string {
  const split = (n: string) => {
    const at = n.indexOf('\n\n');
    return at < 0 ? undefined : { text: n.slice(0, at + 1), lines: n.slice(at + 2).split('\n').filter(Boolean) };
  };
  const [a, b] = [split(stored), split(note)];
  if (!a || !b || a.text !== b.text) return note;
  const lines = [...a.lines, ...b.lines.filter((line) => !a.lines.includes(line))];
  return `${a.text}\n${lines.map((line) => `${line}\n`).join('')}`;
}
