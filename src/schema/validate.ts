import { AegisLogValidationError, type ErrorCode } from '../protocol/errors.js';
import type { WireEvent } from '../protocol/types.js';
import {
  CONTEXT_LIST_ITEMS, CONTEXT_NAMES, CONTEXT_RULES, CONTEXT_STRING_CHARS, EVENT_BYTES, EVENT_ID, EVENT_ID_RULE, EVENT_VALUES, EVENT_TYPE_CHARS, MAX_DEPTH, RESERVED_FIELDS, SERVER_FIELDS, TENANT_ID, TENANT_ID_RULE, type ContextName, type FieldRule,
} from './rules.js';

/**
 * The one event validator, used on the record() path, by the server and by the
 * edge relay, so that all three refuse the same things with the same words.
 * Hand-written rather than zod because it sits on the hot, size-budgeted path
 * of the browser client (zod/mini alone is ~5.6 KB gzip); the exported zod
 * schemas are tested to agree with it. Paths are spelled out only for the
 * error: on the way down they are (parent, key) pairs, allocated per object or
 * array, never per field.
 */
export interface ValidateOptions {
  /**
   * Treat `null` inside a context as an absent field. Only for the Python-compatible
   * `/ingest` route: Python's `None` arrives as `null`, and PROTOCOL.md §2 says absent
   * fields are omitted, so the server drops them before digesting.
   */
  dropNullContextFields?: boolean;
  /**
   * `event_id` and `trace_id` may be absent: the caller sets them after the check to ids it
   * made (the client's UUIDs are valid by construction, and record() is on a hot path).
   */
  idsFollow?: boolean;
  /** The caller measures C(event) against the 1 MiB limit itself (record() serialises the event anyway). */
  sizeFollows?: boolean;
}

const CONTEXTS: ReadonlySet<string> = new Set(CONTEXT_NAMES);
/** The reserved names an event's top level may not use (the others are its own fields). */
// Pure: only validateEvent (server, edge) uses these two; bundlers may drop them from a recording page.
const SERVER_NAMES: ReadonlySet<string> = /* @__PURE__ */ new Set(SERVER_FIELDS);
const utf8 = /* @__PURE__ */ new TextEncoder();

/** Checks a complete wire event (§2) in place and returns it typed. Throws naming the first bad field. */
export function validateEvent(event: unknown, options?: ValidateOptions): WireEvent {
  if (!isPlainObject(event)) throw invalid('event', 'must be a JSON object');
  const e = event as Record<string, unknown>;
  // `?.`: null options are no options (as canonicalize reads them), not a TypeError.
  checkHead(e, options?.idsFollow);
  if (e.client_id !== undefined) checkPattern(e.client_id, 'client_id', EVENT_ID, EVENT_ID_RULE);
  // PROTOCOL.md §1 first, as for a context's integer: 2^53 is an integer ≥ 1, refused as one that JSON parsers round.
  if (Number.isInteger(e.client_seq) && !Number.isSafeInteger(e.client_seq)) throw invalid('client_seq', 'is an integer beyond ±(2^53−1), which JSON parsers round', 'ERR_JCS_INVALID');
  if (e.client_seq !== undefined && !(Number.isSafeInteger(e.client_seq) && (e.client_seq as number) >= 1)) throw invalid('client_seq', 'must be an integer ≥ 1');
  const measure = !options?.sizeFollows;
  let bytes = 2;
  values = 0;
  counting = true;
  for (const key of Object.keys(e)) {
    const value = e[key];
    if (value === undefined) continue;
    if (!isWellFormed(key)) throw jcs(undefined, key, LONE_SURROGATE);
    if (CONTEXTS.has(key)) {
      validateContext(key as ContextName, value, options?.dropNullContextFields);
      // Its fields are checked one by one above: the walk below would only measure it.
      if (!measure) continue;
    } else if (SERVER_NAMES.has(key)) {
      throw reserved(key);
    }
    bytes += topLevelSize(key, value) + key.length * 6 + 4; // a key escapes as a string does (a control character: 6 bytes)
  }
  checkValues();
  // The bound is loose; only an event near the limit pays for an exact measure (JSON.stringify writes
  // C(event)'s bytes in another key order: the validator has refused everything where the two differ).
  if (measure && bytes > EVENT_BYTES && utf8.encode(JSON.stringify(e)).length > EVENT_BYTES) {
    throw invalid('event', `is larger than ${EVENT_BYTES} bytes as canonical JSON`, 'ERR_TOO_LARGE');
  }
  return e as WireEvent;
}

/**
 * `validateEvent(event, { idsFollow: true, sizeFollows: true })` for an event that record() built,
 * and only the checks such an event can fail: its payload keys passed `checkPayloadKeys` and its
 * other fields are record options, so it holds no client_id, client_seq nor server field. Kept
 * apart so that a page that records does not load the server's checks.
 */
export function validateRecorded(e: Record<string, unknown>): void {
  checkHead(e, true);
  values = 0;
  counting = true;
  for (const key of Object.keys(e)) {
    const value = e[key];
    if (value === undefined) continue;
    if (CONTEXTS.has(key)) validateContext(key as ContextName, value);
    else topLevelSize(key, value);
  }
  checkValues();
}

/** The fields every event starts with, in the order errors name them; ids may follow when `idsFollow`. */
function checkHead(e: Record<string, unknown>, idsFollow: boolean | undefined): void {
  checkPattern(e.tenant_id, 'tenant_id', TENANT_ID, TENANT_ID_RULE);
  checkEventType(e.event_type);
  if (e.event_id !== undefined || !idsFollow) checkPattern(e.event_id, 'event_id', EVENT_ID, EVENT_ID_RULE);
  if (e.trace_id !== undefined || !idsFollow) checkPattern(e.trace_id, 'trace_id', EVENT_ID, EVENT_ID_RULE);
  if (e.recorded_at !== undefined && !isTime(e.recorded_at)) {
    throw invalid('recorded_at', 'must be an RFC 3339 UTC time with milliseconds, such as 2026-11-28T09:16:52.123Z', 'ERR_TIME_INVALID');
  }
}

/**
 * Refuses payload keys that the event itself uses (§2: an error on the client and on the server), and keys
 * that RFC 8785 cannot carry (a lone surrogate): the server would refuse the event, after record() queued it.
 */
export function checkPayloadKeys(payload: Record<string, unknown>): void {
  for (const key of Object.keys(payload)) {
    if (RESERVED_FIELDS.has(key)) throw reserved(key);
    if (!isWellFormed(key)) throw jcs(undefined, key, LONE_SURROGATE);
  }
}

/** Checks one compliance context; with `dropNull` (the option `dropNullContextFields`), deletes its `null` fields first. */
export function validateContext(name: ContextName, value: unknown, dropNull?: boolean): void {
  if (!isPlainObject(value)) throw invalid(name, 'must be a plain object');
  const ctx = value as Record<string, unknown>;
  const rules = CONTEXT_RULES[name];
  for (const key of Object.keys(ctx)) {
    // Own fields only: `key in rules` would also take constructor, toString, __proto__… from Object.prototype.
    // Named as any other key is (`model_context["a.b"]`): `model_context.a.b` would read as a path two levels down.
    if (!Object.hasOwn(rules, key)) throw invalid(pathOf({ up: { up: undefined, key: name }, key }), `is not a field of ${name} (known: ${Object.keys(rules).join(', ')})`);
    if (ctx[key] === null && dropNull) delete ctx[key];
  }
  for (const field in rules) {
    const value = ctx[field];
    const rule = rules[field]!;
    if (value !== undefined || rule.required) checkField(value, name, field, rule);
  }
  if (name === 'session_context' && typeof ctx.ended_at === 'number' && (ctx.ended_at as number) < (ctx.started_at as number)) {
    throw invalid('session_context.ended_at', 'must not be before session_context.started_at');
  }
}

function checkField(value: unknown, name: string, field: string, rule: FieldRule): void {
  if (value === undefined) throw bad(name, field, -1, 'is required');
  if (value === null) throw bad(name, field, -1, 'is null; omit a field that has no value');
  // PROTOCOL.md §1, as for the payload (the record path checks a context here only), before an integer field's own
  // rule: 2^53 is an integer, and refused as one that JSON parsers round, latency_ms or input_tokens alike.
  if (Number.isInteger(value) && !Number.isSafeInteger(value)) throw bad(name, field, -1, 'is an integer beyond ±(2^53−1), which JSON parsers round', 'ERR_JCS_INVALID');
  switch (rule.kind) {
    case 'string':
      checkContextString(value, name, field, -1, rule.required);
      if (rule.pattern && !rule.pattern.test(value as string)) throw bad(name, field, -1, `must be ${rule.patternText}`);
      return;
    case 'strings':
      if (!Array.isArray(value)) throw bad(name, field, -1, 'must be an array of strings');
      if (value.length > CONTEXT_LIST_ITEMS) throw bad(name, field, -1, `has more than ${CONTEXT_LIST_ITEMS} items`);
      for (let i = 0; i < value.length; i++) checkContextString(value[i], name, field, i, false);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') throw bad(name, field, -1, 'must be true or false');
      return;
    case 'unix':
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw bad(name, field, -1, 'must be unix seconds (a non-negative integer)');
      return;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw bad(name, field, -1, 'must be a finite number');
      if (rule.integer && !Number.isSafeInteger(value)) throw bad(name, field, -1, 'must be an integer');
      if ((rule.min !== undefined && value < rule.min) || (rule.max !== undefined && value > rule.max)) {
        throw bad(name, field, -1, rule.max === undefined ? `must be at least ${rule.min}` : `must be within [${rule.min}, ${rule.max}]`);
      }
      return;
  }
}

/** A context's string (item `index` of a list, or the field itself when -1). */
function checkContextString(value: unknown, name: string, field: string, index: number, nonEmpty: boolean | undefined): void {
  if (typeof value !== 'string') throw bad(name, field, index, 'must be a string');
  if (nonEmpty && value.length === 0) throw bad(name, field, index, 'must not be empty');
  if (value.length > CONTEXT_STRING_CHARS) throw bad(name, field, index, `is longer than ${CONTEXT_STRING_CHARS} characters`);
  if (!isWellFormed(value)) throw bad(name, field, index, LONE_SURROGATE, 'ERR_JCS_INVALID');
}

/** The error for a context field (or item `index` of it), its path spelled out only now. */
function bad(name: string, field: string, index: number, why: string, code?: ErrorCode): AegisLogValidationError {
  return invalid(`${name}.${field}${index < 0 ? '' : `[${index}]`}`, why, code);
}

/**
 * Walks a payload value once: what JSON (and RFC 8785) can carry, at most
 * `MAX_DEPTH` deep, no cycles. `up` and `key` say where it sits. Returns an
 * upper bound of its UTF-8 JSON size (each UTF-16 unit as 3 bytes, escapes at
 * most 6) so that the common small event needs no serialisation at all to pass
 * the 1 MiB check.
 */
function jsonSize(value: unknown, up: JsonPath | undefined, key: string | number, depth: number, ancestors?: object[]): number {
  // Refused as soon as the count passes the limit: objects shared down a graph are written out once per path,
  // 2^depth values for a few dozen objects, and a walk to the end would not end.
  if (++values > EVENT_VALUES && counting) checkValues();
  switch (typeof value) {
    case 'string':
      if (!isWellFormed(value)) throw jcs(up, key, LONE_SURROGATE);
      return value.length * 6 + 2;
    case 'number':
      if (!Number.isFinite(value)) throw jcs(up, key, `is ${value}; JSON has no NaN or Infinity`);
      if (Number.isInteger(value) && Math.abs(value) > Number.MAX_SAFE_INTEGER) {
        throw jcs(up, key, 'is an integer beyond ±(2^53−1), which JSON parsers round (send it as a string)');
      }
      return 25; // the longest Number::toString writes: -0.0000012345678901234567
    case 'boolean':
      return 5;
    case 'bigint':
      throw jcs(up, key, 'is a BigInt; JSON has no such type (send it as a string)');
    case 'object':
      break;
    default:
      throw jcs(up, key, `is ${typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`}`);
  }
  if (value === null) return 4;
  if (depth > MAX_DEPTH) throw jcs(up, key, `nests deeper than ${MAX_DEPTH} levels`, 'ERR_TOO_DEEP');
  const stack = ancestors ?? [];
  if (stack.includes(value)) throw jcs(up, key, 'is a cycle (it contains itself)');
  const at: JsonPath = { up, key };
  stack.push(value);
  let size = 2;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (value[i] === undefined) throw jcs(at, i, 'is undefined inside an array');
      size += jsonSize(value[i], at, i, depth + 1, stack) + 1;
    }
  } else {
    if (!isPlainObject(value)) throw jcs(up, key, `is a ${(value as { constructor?: { name?: string } }).constructor?.name ?? 'object'}, not plain JSON data`);
    const record = value as Record<string, unknown>;
    for (const k of Object.keys(record)) {
      if (record[k] === undefined) continue;
      if (!isWellFormed(k)) throw jcs(at, k, LONE_SURROGATE);
      values++; // the key: a server counts keys as JSON values
      size += jsonSize(record[k], at, k, depth + 1, stack) + k.length * 6 + 4;
    }
  }
  stack.pop();
  return size;
}

/**
 * A top-level field's JSON size. EVENT_VALUES counts the payload's values and keys, not the contexts' nor the
 * event's own fields (record() checks an event before it adds its ids, recorded_at and numbering), so that
 * validateEvent and validateRecorded count alike whatever record() adds.
 */
function topLevelSize(key: string, value: unknown): number {
  const own = RESERVED_FIELDS.has(key);
  const before = values;
  counting = !own;
  const size = jsonSize(value, undefined, key, 2);
  counting = true;
  values = own ? before : values + 1; // the key, as jsonSize counts keys below the top
  return size;
}

/** JSON values walked by the current validation: the event's fields but its contexts (a few hundred at most). */
let values = 0;
/** Whether the values walked now count (the payload's), or are only measured (a context's, the event's own fields). */
let counting = true;

/** Refuses an event whose payload holds more JSON values than EVENT_VALUES (its contexts and own fields are not counted): the server would refuse its body (413) whatever the batch. */
function checkValues(): void {
  if (values > EVENT_VALUES) throw invalid('event', `holds more than ${EVENT_VALUES} JSON values in its payload (keys count)`, 'ERR_TOO_LARGE');
}

/** A payload value JSON cannot carry, named by its path. */
function jcs(up: JsonPath | undefined, key: string | number, why: string, code: ErrorCode = 'ERR_JCS_INVALID'): AegisLogValidationError {
  return invalid(pathOf({ up, key }), why, code);
}

export const LONE_SURROGATE = 'contains a lone surrogate (not valid Unicode)';

// The protocol's jcs.ts and time.ts have the same three helpers. The validator keeps its own so that
// a client page never loads those modules, which the verifier needs whole (a bundler would put them in
// a chunk that both share, loaded with record()).

/** `recorded_at`: RFC 3339 UTC with milliseconds, and a real calendar time (Date.parse rolls 02-30 over: the round trip catches it). */
function isTime(text: unknown): boolean {
  const ms = typeof text === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(text) ? Date.parse(text) : NaN;
  return ms === ms && new Date(ms).toISOString() === text;
}

/**
 * No lone surrogates: what RFC 8785 (and UTF-8) can carry. Here rather than from protocol/jcs.ts, and what the zod
 * schemas use too: an import of jcs.ts from zod.ts pulled it into the schemas chunk, and with it zod into every
 * chunk that canonicalises (the verifier, the relay) and into a recording page.
 */
export function isWellFormed(s: string): boolean {
  const native = (s as { isWellFormed?: () => boolean }).isWellFormed;
  return native ? native.call(s) : !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

/** Where a value sits: a linked list spelled out only when an error names it. */
interface JsonPath {
  up: JsonPath | undefined;
  key: string | number;
}

/** `a.b[2]`, `a["odd key"]`; keys of the root stand alone (`model_context`, not `$.model_context`), as users wrote them. */
function pathOf(where: JsonPath | undefined): string {
  if (!where) return '$';
  const parent = pathOf(where.up);
  if (typeof where.key === 'number') return `${parent}[${where.key}]`;
  const key = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(where.key) ? where.key : `[${JSON.stringify(where.key)}]`;
  return parent === '$' ? (key[0] === '[' ? `$${key}` : key) : key[0] === '[' ? parent + key : `${parent}.${key}`;
}

function checkPattern(value: unknown, field: string, pattern: RegExp, rule: string): void {
  if (typeof value !== 'string' || !pattern.test(value)) throw invalid(field, `must be ${rule}`);
}

function checkEventType(value: unknown): void {
  if (typeof value !== 'string' || value.length === 0) throw invalid('event_type', 'must be a non-empty string');
  if (!isWellFormed(value)) throw invalid('event_type', LONE_SURROGATE, 'ERR_JCS_INVALID');
  // "characters" in §2: Unicode code points, not UTF-16 units; a string has no more code points than
  // units, so a short one needs no count.
  if (value.length <= EVENT_TYPE_CHARS) return;
  let count = 0;
  for (const _ of value) if (++count > EVENT_TYPE_CHARS) throw invalid('event_type', `is longer than ${EVENT_TYPE_CHARS} characters`);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function reserved(key: string): AegisLogValidationError {
  return new AegisLogValidationError('ERR_RESERVED_FIELD', `${key} is a reserved field name; rename this payload key`, key);
}

export function invalid(field: string, why: string, code: ErrorCode = 'ERR_SCHEMA_INVALID'): AegisLogValidationError {
  return new AegisLogValidationError(code, `${field} ${why}`, field);
}
