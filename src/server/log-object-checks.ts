/**
 * The arguments of a log Durable Object's calls, checked before they touch its storage (log-objects.ts): a
 * call is JSON from another process (a Worker of another version, a bug), and one bad value kept (a
 * closed_until that is no time, a clock reading that JSON turned from NaN into null) would break or
 * falsify every later commit. A malformed call is ERR_LOG_OBJECT_CALL naming the field.
 */
import { AegisLogError, isTime } from '../protocol/index.js';
import type { TileWrite } from '../tlog/tile-append.js';
import type { TileRef } from '../tlog/tiles.js';
import type { AppendRequest, SealCommit } from './types.js';

/** An append as it travels to a tenant log: the store hashes with its own SHA-256. */
export type TenantAppend = Omit<AppendRequest, 'sha256'>;

/**
 * The largest record a tenant log keeps: Durable Object SQLite refuses a string, BLOB or row over 2 MB
 * (SQLITE_TOOBIG), and the row grows by its signature after the commit. An event over it is refused
 * whole, as too large, before anything is written, rather than failing its commit on every retry.
 */
export const MAX_RECORD_BYTES = 2_000_000;
/** What a record's row holds besides its event's text and ids: received_at, digest, receipt hash, the signature to come, SQLite's headers. */
const RECORD_OVERHEAD = 512;

const utf8 = new TextEncoder();
const utf8Length = (text: string) => utf8.encode(text).length;

/**
 * The arguments of a call, checked before they touch storage: a call is JSON from another process (a
 * Worker of another version, a bug), and one bad value kept (a closed_until that is no time, a clock
 * reading that JSON turned from NaN into null) would break or falsify every later commit.
 */
const malformed = (field: string, what: string) => new AegisLogError('ERR_LOG_OBJECT_CALL', `${field} must be ${what}`, { field });
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
export const need = {
  object(v: unknown, field: string): Record<string, unknown> {
    if (!isObject(v)) throw malformed(field, 'an object');
    return v;
  },
  array(v: unknown, field: string): unknown[] {
    if (!Array.isArray(v)) throw malformed(field, 'an array');
    return v;
  },
  text(v: unknown, field: string, empty = false): string {
    if (typeof v !== 'string' || (!empty && v === '')) throw malformed(field, empty ? 'a string' : 'a non-empty string');
    return v;
  },
  count(v: unknown, field: string): number {
    if (!Number.isSafeInteger(v) || (v as number) < 0) throw malformed(field, 'a non-negative integer');
    return v as number;
  },
  number(v: unknown, field: string): number {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw malformed(field, 'a finite number');
    return v;
  },
  time(v: unknown, field: string): string {
    if (!isTime(v)) throw malformed(field, 'an RFC 3339 UTC time with milliseconds');
    return v;
  },
  tile(v: unknown, field: string): TileRef {
    const ref = need.object(v, field);
    if (ref.level !== 'entries') need.count(ref.level, `${field}.level`);
    need.count(ref.index, `${field}.index`);
    if (!Number.isInteger(ref.width) || (ref.width as number) < 1 || (ref.width as number) > 256) throw malformed(`${field}.width`, 'an integer from 1 to 256');
    return ref as unknown as TileRef;
  },
  tiles(v: unknown, field: string): TileRef[] {
    return need.array(v, field).map((ref, i) => need.tile(ref, `${field}[${i}]`));
  },
  writes(v: unknown, field: string): TileWrite[] {
    return need.array(v, field).map((w, i) => {
      const write = need.object(w, `${field}[${i}]`);
      const tile = need.tile(write.tile, `${field}[${i}].tile`);
      if (tile.level === 'entries') throw malformed(`${field}[${i}].tile.level`, 'a tile level (an integer)');
      if (!(write.bytes instanceof Uint8Array) || write.bytes.length !== 32 * tile.width) throw malformed(`${field}[${i}].bytes`, `the ${32 * tile.width} bytes of its tile`);
      return write as unknown as TileWrite;
    });
  },
};

/** An append as it arrives, checked: shapes, and each event's size against what the object's storage keeps. */
export function checkedAppend(value: unknown): TenantAppend {
  const request = need.object(value, 'request');
  const tenantId = need.text(request.tenantId, 'request.tenantId');
  need.text(request.keyId, 'request.keyId');
  need.number(request.now, 'request.now');
  need.array(request.entries, 'request.entries').forEach((e, i) => {
    const at = `request.entries[${i}]`;
    const entry = need.object(e, at);
    const event = need.object(entry.event, `${at}.event`);
    const eventId = need.text(event.event_id, `${at}.event.event_id`);
    if (event.tenant_id !== tenantId) throw malformed(`${at}.event.tenant_id`, `the request's tenantId ${JSON.stringify(tenantId)}`);
    const traceId = need.text(event.trace_id, `${at}.event.trace_id`, true);
    const eventJson = need.text(entry.eventJson, `${at}.eventJson`);
    need.text(entry.digest_b64url, `${at}.digest_b64url`);
    // Characters are 1 to 3 UTF-8 bytes each (a surrogate pair: 4 for 2): count them only near the limit.
    const ids = eventId.length + traceId.length + (request.keyId as string).length;
    if (3 * (eventJson.length + ids) + RECORD_OVERHEAD <= MAX_RECORD_BYTES) return;
    const bytes = utf8Length(eventJson) + utf8Length(eventId) + utf8Length(traceId) + utf8Length(request.keyId as string) + RECORD_OVERHEAD;
    if (bytes > MAX_RECORD_BYTES) {
      throw new AegisLogError('ERR_TOO_LARGE', `event ${eventId} is ${utf8Length(eventJson)} bytes of canonical JSON: a Durable Object log keeps records of at most ${MAX_RECORD_BYTES} bytes`, { field: `${at}.eventJson` });
    }
  });
  return request as unknown as TenantAppend;
}

/** A seal as it arrives, checked (its order against the history is sealOrderError's, in the commit). */
export function checkedSeal(value: unknown): SealCommit {
  const seal = need.object(value, 'seal');
  const start = need.time(seal.period_start, 'seal.period_start');
  if (need.time(seal.period_end, 'seal.period_end') <= start) throw malformed('seal.period_end', 'later than seal.period_start');
  need.time(seal.sealed_at, 'seal.sealed_at');
  need.array(seal.heads, 'seal.heads').forEach((h, i) => {
    const at = `seal.heads[${i}]`;
    const stored = need.object(h, at);
    need.count(stored.headIndex, `${at}.headIndex`);
    const head = need.object(stored.head, `${at}.head`);
    need.text(head.tenant_id, `${at}.head.tenant_id`);
    if (head.period_start !== start) throw malformed(`${at}.head.period_start`, 'seal.period_start');
    need.count(head.tree_size, `${at}.head.tree_size`);
  });
  need.writes(seal.rootWrites, 'seal.rootWrites');
  need.count(seal.rootSize, 'seal.rootSize');
  need.text(seal.note, 'seal.note');
  return seal as unknown as SealCommit;
}


/** A root log's `disarm` list as it arrives, checked: each a tenant, the generation it disarmed at and its size. */
export function checkedDisarms(value: unknown): { tenantId: string; generation: number; size: number }[] {
  return need.array(value, 'disarmed').map((d, i) => {
    const at = `disarmed[${i}]`;
    const report = need.object(d, at);
    return { tenantId: need.text(report.tenantId, `${at}.tenantId`), generation: need.count(report.generation, `${at}.generation`), size: need.count(report.size, `${at}.size`) };
  });
}

/** `noteSince`'s reports: what a store learned of tenant logs (the received_at of the entry at a head size). */
export function checkedSinceNotes(value: unknown): { tenantId: string; headSize: number; since: string }[] {
  return need.array(value, 'notes').map((n, i) => {
    const at = `notes[${i}]`;
    const note = need.object(n, at);
    return { tenantId: need.text(note.tenantId, `${at}.tenantId`), headSize: need.count(note.headSize, `${at}.headSize`), since: need.time(note.since, `${at}.since`) };
  });
}

/** `keepCloses`' list: what each tenant log's `closeAt` answered, with its tenant. */
export function checkedCloses(value: unknown): { tenantId: string; size: number; root?: Uint8Array; next?: string; disarmed?: { generation: number; size: number } }[] {
  return need.array(value, 'closes').map((c, i) => {
    const at = `closes[${i}]`;
    const close = need.object(c, at);
    const root = close.root;
    if (root !== undefined && !(root instanceof Uint8Array && root.length === 32)) throw malformed(`${at}.root`, 'a hash of 32 bytes');
    const disarmed = close.disarmed === undefined ? undefined : need.object(close.disarmed, `${at}.disarmed`);
    return {
      tenantId: need.text(close.tenantId, `${at}.tenantId`),
      size: need.count(close.size, `${at}.size`),
      ...(root === undefined ? {} : { root }),
      ...(close.next === undefined ? {} : { next: need.time(close.next, `${at}.next`) }),
      ...(disarmed ? { disarmed: { generation: need.count(disarmed.generation, `${at}.disarmed.generation`), size: need.count(disarmed.size, `${at}.disarmed.size`) } } : {}),
    };
  });
}
