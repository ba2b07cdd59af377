/**
 * One line of a period export (PROTOCOL.md §6.2: a receipt with its `leaf_index`)
 * read straight from its UTF-8 bytes, without JSON.parse and without a string:
 * JSON.parse and the objects it makes were over half of an audit's time. The
 * reader is strict and narrow: it takes only the plain shape the server writes
 * (ASCII, no escapes, no nesting, only known members, each once) and answers `false` for
 * anything else, which the caller then reads with JSON.parse. So whatever this
 * reader accepts, JSON.parse reads to the same values, and everything odd takes
 * the general path with its exact error.
 *
 * On success `at` holds, per member, the byte range of its raw value token
 * (strings with their quotes). A raw string token without escapes or non-ASCII
 * bytes is its own RFC 8785 form, so the receipt statement's JCS bytes are
 * these ranges copied between fixed pieces (see `writeStatement`).
 */

/** Members read, by slot in `at` (start at 2·slot, end at 2·slot + 1). */
export const Member = {
  V: 0, TenantId: 1, EventId: 2, Digest: 3, ReceivedAt: 4, KeyId: 5, SigningAlg: 6, Signature: 7, LeafIndex: 8, Ok: 9, TraceId: 10,
  /** `event` (PROTOCOL.md §6.2, `&events=true`): read here only when its value is a scalar, which a caller that checks events must refuse. */
  Event: 11,
  /** `kind`, which marks an export header: a caller that refuses a second header must see it. */
  Kind: 12,
  Count: 13,
} as const;
export type Member = (typeof Member)[keyof typeof Member];

const NAMES: readonly string[] = [
  'v', 'tenant_id', 'event_id', 'digest_b64url', 'received_at', 'key_id', 'signing_alg', 'signature_b64url', 'leaf_index', 'ok', 'trace_id', 'event', 'kind',
];
const NAME_BYTES = NAMES.map((n) => Uint8Array.from(n, (c) => c.charCodeAt(0)));
/** In the order the server writes them, each name with its closing quote and colon: `tenant_id":`. */
const SERVER_ORDER = ['v', 'tenant_id', 'event_id', 'digest_b64url', 'received_at', 'key_id', 'signing_alg', 'ok', 'trace_id', 'signature_b64url', 'leaf_index'];
const NAMED = SERVER_ORDER.map((n) => Uint8Array.from(`${n}":`, (c) => c.charCodeAt(0)));
/** The member slot of each name in the server's order, and each slot's place in that order. */
const SLOT_AT = SERVER_ORDER.map((n) => NAMES.indexOf(n));
const PLACE_OF = NAMES.map((n) => SERVER_ORDER.indexOf(n));
const SIGNING_ALG_TOKEN = Uint8Array.from('"ECDSA_SHA_256"', (c) => c.charCodeAt(0));

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN = 0x7b;
const CLOSE = 0x7d;

/** Bytes that end a plain string run: the quote, the backslash, controls and everything beyond ASCII. */
const STOP = new Uint8Array(256);
for (let c = 0; c < 256; c++) STOP[c] = c < 0x20 || c > 0x7e || c === QUOTE || c === BACKSLASH ? 1 : 0;

/** Byte ranges of the members of the last line read; -1 for a member that is absent. */
export const at = new Int32Array(2 * Member.Count);

/**
 * Reads the line `b[from..to)`. True when it is a JSON object of the plain shape
 * (no whitespace between tokens, as the server writes it) with every statement
 * member a string, `v` the number 1, `signing_alg` the one algorithm and
 * `leaf_index` a plain safe integer (unless `leaf` is false: a version-1 export
 * has none); `at` then locates each member. The byte at `to` must end a string
 * run (a `\n` or `\r`, as line ends are): the string scans stop on it without a
 * bound check per byte.
 */
export function readReceiptLine(b: Uint8Array, from: number, to: number, leaf = true): boolean {
  at.fill(-1);
  if (to >= b.length || STOP[b[to]!] === 0) return false; // no stop byte after the line: the scans need one
  let i = from;
  let expected = 0;
  if (b[i] !== OPEN) return false;
  i++;
  for (;;) {
    // A member name: plain ASCII, no escapes. The server's order is tried first, whole (`name":`).
    if (b[i] !== QUOTE) return false;
    i++;
    let slot: number;
    if (expected < NAMED.length && startsWith(b, i, NAMED[expected]!)) {
      slot = SLOT_AT[expected]!;
      i += NAMED[expected]!.length;
    } else {
      const nameFrom = i;
      i = run(b, i);
      if (i >= to || b[i] !== QUOTE) return false;
      slot = memberOf(b, nameFrom, i);
      i++;
      if (b[i] !== COLON) return false;
      i++;
    }
    const valueFrom = i;
    const c = b[i];
    if (c === QUOTE) {
      i = run(b, i + 1);
      if (i >= to || b[i] !== QUOTE) return false;
      i++;
    } else {
      i = c === 0x74 ? literal(b, i, to, 'true') : c === 0x66 ? literal(b, i, to, 'false') : c === 0x6e ? literal(b, i, to, 'null') : number(b, i, to);
      if (i < 0) return false;
    }
    // A member twice (JSON.parse keeps the last, other readers the first), or one this reader does not know
    // (it keeps no names, so could not see that one twice): the general path reads the line and refuses a
    // duplicate (duplicate-names.ts). The server writes neither: its lines never pay for that scan.
    if (slot < 0 || at[2 * slot]! >= 0) return false;
    at[2 * slot] = valueFrom;
    at[2 * slot + 1] = i;
    if (PLACE_OF[slot]! >= 0) expected = PLACE_OF[slot]! + 1;
    if (b[i] === COMMA) {
      i++;
      continue;
    }
    if (b[i] !== CLOSE) return false;
    i++;
    break;
  }
  return i === to && shapeHolds(b, leaf);
}

/** The end of the run of plain string bytes at `i`: four bytes a step while none of them stops it. */
function run(b: Uint8Array, i: number): number {
  while ((STOP[b[i]!]! | STOP[b[i + 1]!]! | STOP[b[i + 2]!]! | STOP[b[i + 3]!]!) === 0) i += 4;
  while (STOP[b[i]!] === 0) i++;
  return i;
}

/** The statement members are strings, `v` is 1, the algorithm is ECDSA_SHA_256, `leaf_index` (if `leaf`) a plain integer. */
function shapeHolds(b: Uint8Array, leaf: boolean): boolean {
  for (const m of [Member.TenantId, Member.EventId, Member.Digest, Member.ReceivedAt, Member.KeyId]) {
    if (at[2 * m]! < 0 || b[at[2 * m]!] !== QUOTE) return false;
  }
  const v = at[2 * Member.V]!;
  if (v < 0 || at[2 * Member.V + 1]! - v !== 1 || b[v] !== 0x31) return false;
  if (!rangeEquals(b, at[2 * Member.SigningAlg]!, at[2 * Member.SigningAlg + 1]!, SIGNING_ALG_TOKEN)) return false;
  return !leaf || leafIndex(b) >= 0;
}

/** `leaf_index` as read (a plain decimal integer, no sign, fraction or exponent), or -1. */
export function leafIndex(b: Uint8Array): number {
  const from = at[2 * Member.LeafIndex]!;
  const to = at[2 * Member.LeafIndex + 1]!;
  if (from < 0 || to - from > 16 || (b[from] === 0x30 && to - from > 1)) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = b[i]! - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return Number.isSafeInteger(n) ? n : -1;
}

/** Whether `b` holds `bytes` at `i` (within the line: `bytes` ends in `:`, which no string run holds). */
function startsWith(b: Uint8Array, i: number, bytes: Uint8Array): boolean {
  for (let k = 0; k < bytes.length; k++) if (b[i + k] !== bytes[k]) return false;
  return true;
}

/** The member named by `b[from..to)`, or -1. */
function memberOf(b: Uint8Array, from: number, to: number): number {
  const length = to - from;
  for (let m = 0; m < NAME_BYTES.length; m++) {
    const name = NAME_BYTES[m]!;
    if (name.length === length && rangeEquals(b, from, to, name)) return m;
  }
  return -1;
}

export function rangeEquals(b: Uint8Array, from: number, to: number, bytes: Uint8Array): boolean {
  if (from < 0 || to - from !== bytes.length) return false;
  for (let k = 0; k < bytes.length; k++) if (b[from + k] !== bytes[k]) return false;
  return true;
}

function literal(b: Uint8Array, i: number, to: number, word: string): number {
  if (i + word.length > to) return -1;
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word.charCodeAt(k)) return -1;
  return i + word.length;
}

/** RFC 8259 number: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
function number(b: Uint8Array, i: number, to: number): number {
  if (b[i] === 0x2d) i++;
  if (b[i] === 0x30) i++;
  else if (isDigit(b[i])) while (i < to && isDigit(b[i])) i++;
  else return -1;
  if (b[i] === 0x2e) {
    i++;
    if (!isDigit(b[i])) return -1;
    while (i < to && isDigit(b[i])) i++;
  }
  if (b[i] === 0x65 || b[i] === 0x45) {
    i++;
    if (b[i] === 0x2b || b[i] === 0x2d) i++;
    if (!isDigit(b[i])) return -1;
    while (i < to && isDigit(b[i])) i++;
  }
  return i > to ? -1 : i;
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

const piece = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const P_DIGEST = piece('{"digest_b64url":');
const P_EVENT = piece(',"event_id":');
const P_KEY = piece(',"key_id":');
const P_TIME = piece(',"received_at":');
const P_TENANT = piece(',"signing_alg":"ECDSA_SHA_256","tenant_id":');
const P_END = piece(',"v":1}');
const FIXED = P_DIGEST.length + P_EVENT.length + P_KEY.length + P_TIME.length + P_TENANT.length + P_END.length;

/** Length of the statement's JCS form for the line last read. */
export function statementLength(): number {
  let n = FIXED;
  for (const m of [Member.Digest, Member.EventId, Member.KeyId, Member.ReceivedAt, Member.TenantId]) n += at[2 * m + 1]! - at[2 * m]!;
  return n;
}

/**
 * Writes `C(statement)` of the line last read into `out` from 0 (room for
 * `statementLength()` bytes): members in JCS order (digest_b64url, event_id,
 * key_id, received_at, signing_alg, tenant_id, v), each raw token as read.
 */
export function writeStatement(b: Uint8Array, out: Uint8Array): number {
  let n = put(P_DIGEST, out, 0);
  n = copy(b, Member.Digest, out, n);
  n = put(P_EVENT, out, n);
  n = copy(b, Member.EventId, out, n);
  n = put(P_KEY, out, n);
  n = copy(b, Member.KeyId, out, n);
  n = put(P_TIME, out, n);
  n = copy(b, Member.ReceivedAt, out, n);
  n = put(P_TENANT, out, n);
  n = copy(b, Member.TenantId, out, n);
  return put(P_END, out, n);
}

/** A byte loop: for pieces this short it beats `set`, a builtin call each. */
function put(bytes: Uint8Array, out: Uint8Array, n: number): number {
  for (let k = 0; k < bytes.length; k++) out[n++] = bytes[k]!;
  return n;
}

function copy(b: Uint8Array, m: Member, out: Uint8Array, n: number): number {
  const to = at[2 * m + 1]!;
  for (let k = at[2 * m]!; k < to; k++) out[n++] = b[k]!;
  return n;
}

/** The text of a string member of the line last read, without its quotes (ASCII: one char per byte). */
export function memberText(b: Uint8Array, m: Member): string | undefined {
  const from = at[2 * m]!;
  const to = at[2 * m + 1]!;
  if (from < 0 || b[from] !== QUOTE) return undefined;
  let text = '';
  for (let k = from + 1; k < to - 1; k++) text += String.fromCharCode(b[k]!);
  return text;
}
