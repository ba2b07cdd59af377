/**
 * Turns whatever a traced function received or returned into plain JSON data
 * that the event validator accepts, redacting on the way. It never throws:
 * a traced function must not fail because its arguments hold a socket, a
 * BigInt or a cycle, so anything JSON cannot carry is described instead.
 */

import { AegisLogError } from '../protocol/errors.js';

/** A key name (matched at any depth), a dotted path from the payload root (`input.0.password`, `*` = any segment), or a RegExp tested against key names. */
export type RedactRule = string | RegExp;

export interface DescribeLimits {
  /** Levels of nesting kept below the payload field; deeper values become `"[Object]"` / `"[Array(n)]"` / `"[TypeError]"` (an error). */
  depth: number;
  /** Characters kept of one string, or of one object key; the rest is cut and counted. */
  stringLength: number;
  /** Items kept of one array, Set or Map, and keys of one object. */
  items: number;
  /** Values visited in one payload field, so that a wide shared graph cannot blow up. */
  nodes: number;
}

export const DEFAULT_TRACE_LIMITS: DescribeLimits = { depth: 8, stringLength: 65_536, items: 1000, nodes: 20_000 };

export const REDACTED = '[REDACTED]';

export interface Redactor {
  matches(key: string, path: readonly string[]): boolean;
}

export function compileRedaction(rules: readonly RedactRule[] = []): Redactor {
  // Checked as the wrapper is made: a lone string (a JavaScript caller's `redact: 'password'`) was iterated letter by
  // letter, each letter a key name, and the value it meant to hide was recorded.
  if (!Array.isArray(rules)) throw new AegisLogError('ERR_CONFIG', 'redact must be a list of rules (key names, dotted paths, RegExps)', { field: 'redact' });
  const keys = new Set<string>();
  const patterns: RegExp[] = [];
  const paths: string[][] = [];
  for (const [i, rule] of rules.entries()) {
    if (rule instanceof RegExp) patterns.push(new RegExp(rule.source, rule.flags.replace(/[gy]/g, '')));
    else if (typeof rule !== 'string') throw new AegisLogError('ERR_CONFIG', `redact[${i}] must be a key name, a dotted path or a RegExp`, { field: `redact[${i}]` });
    else if (rule.includes('.')) paths.push(rule.split('.'));
    else keys.add(rule);
  }
  return {
    matches(key, path) {
      if (keys.has(key)) return true;
      for (const re of patterns) if (re.test(key)) return true;
      for (const p of paths) {
        if (p.length === path.length && p.every((seg, i) => seg === '*' || seg === path[i])) return true;
      }
      return false;
    },
  };
}

interface State {
  redactor: Redactor;
  limits: DescribeLimits;
  nodes: number;
  /** Characters of the strings described so far. */
  chars: number;
  ancestors: Set<object>;
}

/** Characters a field's strings may hold in all: an event is at most 1 MiB of JSON (PROTOCOL.md §2). */
const EVENT_CHARS = 1_048_576; // 1024 * 1024, as a literal: a bundler keeps a product it cannot tell is unused

/**
 * `value` as JSON data, with `path` naming where it sits in the payload (for
 * path rules). `undefined` stays `undefined` (an absent field).
 */
export function describe(value: unknown, path: readonly string[], redactor: Redactor, limits: DescribeLimits = DEFAULT_TRACE_LIMITS): unknown {
  return describer(redactor, limits)(value, path, 0);
}

/**
 * Describes several values as parts of one payload field, `depth` levels below it, sharing the field's budget of
 * values and text: a generator's yields, described one by one as they come, weigh together what one value would.
 */
export function describer(redactor: Redactor, limits: DescribeLimits): (value: unknown, path: readonly string[], depth: number) => unknown {
  const st: State = { redactor, limits, nodes: 0, chars: 0, ancestors: new Set() };
  return (value, path, depth) => visit(value, [...path], depth, st);
}

function visit(value: unknown, path: string[], depth: number, st: State): unknown {
  // Every value counts toward the budget, not only objects: a million strings in arrays were kept whole.
  if (++st.nodes > st.limits.nodes) return '[Truncated]';
  switch (typeof value) {
    case 'string':
      return textOf(value, st) ?? '[Truncated]';
    case 'number':
      // NaN, ±Infinity and integers JSON parsers would round travel as their text.
      return Number.isFinite(value) && !(Number.isInteger(value) && !Number.isSafeInteger(value)) ? value : String(value);
    case 'boolean':
    case 'undefined':
      return value;
    case 'bigint':
      return `${value}n`;
    // A description and a name are text like any string: cut, counted, made well-formed (a lone surrogate in one
    // made an event that record() refused).
    case 'symbol': {
      const description = textOf(value.description ?? '', st);
      return description === undefined ? '[Truncated]' : `Symbol(${description})`;
    }
    case 'function': {
      const name = textOf(String(value.name || 'anonymous'), st);
      return name === undefined ? '[Truncated]' : `[Function ${name}]`;
    }
  }
  if (value === null) return null;
  const obj = value as object;
  if (st.ancestors.has(obj)) return '[Circular]';
  try {
    st.ancestors.add(obj);
    return visitObject(obj, path, depth, st);
  } catch {
    // A throwing getter, toJSON or Proxy trap: say so rather than fail the call.
    return `[Unreadable ${kindOf(obj)}]`;
  } finally {
    st.ancestors.delete(obj);
  }
}

/**
 * `s` cut to the text limit, and weighed: an event is at most 1 MiB, so more text than that can only be refused,
 * after being made (one 60 KB string shared by 2,500 cells made 150 MB of JSON before record() refused it).
 * Undefined past that weight.
 */
function textOf(s: string, st: State): string | undefined {
  if ((st.chars += Math.min(s.length, st.limits.stringLength)) > EVENT_CHARS) return undefined;
  return text(s, st.limits.stringLength);
}

function visitObject(obj: object, path: string[], depth: number, st: State): unknown {
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? 'Invalid Date' : obj.toISOString();
  if (ArrayBuffer.isView(obj)) return `[${kindOf(obj)} ${obj.byteLength} bytes]`;
  if (obj instanceof ArrayBuffer) return `[ArrayBuffer ${obj.byteLength} bytes]`;
  if (obj instanceof Promise || obj instanceof WeakMap || obj instanceof WeakSet) return `[${kindOf(obj)}]`;
  // A Set or a Map of another realm too (a vm sandbox, an iframe), known by its tag: `instanceof` is false for them,
  // and they were "[Set]", "[Map]", what they held lost.
  const tag = Object.prototype.toString.call(obj);
  const isSet = obj instanceof Set || tag === '[object Set]';
  if (Array.isArray(obj) || isSet) {
    const length = Array.isArray(obj) ? obj.length : (obj as Set<unknown>).size;
    if (depth >= st.limits.depth) return `[Array(${length})]`;
    // A Set's first values only, as a Map's entries: a copy of the whole Set cost every call its size.
    return list(Array.isArray(obj) ? obj : firstOf(obj as Set<unknown>, st.limits.items), path, depth, st, length);
  }
  // An error of another realm too (code run in a vm sandbox, an iframe), where `instanceof Error` is false: it was an
  // object like any other, its name and message (not enumerable) lost.
  if (obj instanceof Error || tag === '[object Error]') return errorOf(obj as Error, path, depth, st);
  const toJSON = (obj as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return visit(toJSON.call(obj), path, depth, st);
  if (depth >= st.limits.depth) return '[Object]';
  if (obj instanceof Map || tag === '[object Map]') return mapOf(obj as Map<unknown, unknown>, path, depth, st);
  const proto = Object.getPrototypeOf(obj);
  if (proto !== Object.prototype && proto !== null && Object.keys(obj).length === 0) return `[${kindOf(obj)}]`;
  // Read in place: only the keys within the limit are read (a getter past it never runs).
  return fields(obj as Record<string, unknown>, path, depth, st);
}

/**
 * `{ name, message, ...own fields, cause, errors }`. Within the depth bound like any object: a chain of causes, each an
 * Error one level down, was described to its end, and the validator then refused the event (deeper than 32 levels).
 */
function errorOf(err: Error, path: string[], depth: number, st: State): unknown {
  if (depth >= st.limits.depth) return `[${kindOf(err)}]`;
  // Spread defines each own field as data, so an own "__proto__" stays a key.
  const own: Record<string, unknown> = { name: err.name, message: err.message, ...(err as object) };
  // `new Error(message, { cause })` makes `cause` an own field that is not enumerable, and an AggregateError its
  // `errors` (Promise.any's: all it says of why): the spread leaves them out.
  for (const key of ['cause', 'errors'] as const) if (Object.hasOwn(err, key) && !Object.hasOwn(own, key)) own[key] = (err as Error & { errors?: unknown })[key];
  return fields(own, path, depth, st);
}

/**
 * A Map: an object when its keys are strings; otherwise its `[key, value]` pairs, since other keys would not
 * survive as object keys (every object key read "[Object]", and 1 and "1" were one key: entries were lost). Only
 * the entries within the limit are read. A string key the redaction names hides its value in either form.
 */
function mapOf(map: Map<unknown, unknown>, path: string[], depth: number, st: State): unknown {
  const kept: [unknown, unknown][] = [];
  for (const entry of map) {
    if (kept.length === st.limits.items) break;
    kept.push(entry);
  }
  if (kept.every(([k]) => typeof k === 'string')) {
    // No prototype: a key named "__proto__" is an entry like any other, not a prototype to set.
    const entries: Record<string, unknown> = Object.create(null);
    for (const [k, v] of kept) entries[k as string] = v;
    // The count is of the whole Map: keys past the item limit and those the text bound cut, together.
    return fields(entries, path, depth, st, map.size);
  }
  const out: unknown[] = kept.map(([k, v], i) => {
    const at = [...path, String(i)];
    const hidden = typeof k === 'string' && st.redactor.matches(k, [...path, k]);
    const value = hidden ? REDACTED : visit(v, [...at, '1'], depth + 2, st);
    return [visit(k, [...at, '0'], depth + 2, st) ?? null, value === undefined ? null : value];
  });
  if (map.size > kept.length) out.push(`[… ${map.size - kept.length} more items]`);
  return out;
}

/** The first `n` values of a Set. */
function firstOf(set: Set<unknown>, n: number): unknown[] {
  const kept: unknown[] = [];
  if (n > 0) for (const value of set) if (kept.push(value) >= n) break;
  return kept;
}

/** `length`: how many items the list has in all (a Set's first items only are given). */
function list(items: readonly unknown[], path: string[], depth: number, st: State, length = items.length): unknown[] {
  const n = Math.min(items.length, st.limits.items);
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const key = String(i);
    const childPath = [...path, key];
    const v = st.redactor.matches(key, childPath) ? REDACTED : visit(items[i], childPath, depth + 1, st);
    out.push(v === undefined ? null : v); // as JSON.stringify does; JCS refuses undefined in arrays
  }
  if (length > n) out.push(`[… ${length - n} more items]`);
  return out;
}

/** `total`: how many keys the value has in all (a Map's first entries only are given). */
function fields(record: Record<string, unknown>, path: string[], depth: number, st: State, total?: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys = Object.keys(record);
  const n = Math.min(keys.length, st.limits.items);
  let i = 0;
  for (; i < n; i++) {
    const rawKey = keys[i] as string;
    // A key is text like a string value: it weighs toward the field's text and is cut at the same length (a 10 MB
    // key was kept whole). Redaction still sees the whole key, and the path names it whole.
    if ((st.chars += Math.min(rawKey.length, st.limits.stringLength)) > EVENT_CHARS) break;
    const whole = wellFormed(rawKey);
    const childPath = [...path, whole];
    const v = st.redactor.matches(whole, childPath) ? REDACTED : visit(record[rawKey], childPath, depth + 1, st);
    // defineProperty: a key named "__proto__" must stay data, not set the prototype.
    if (v !== undefined) Object.defineProperty(out, freeKey(out, text(rawKey, st.limits.stringLength)), { value: v, enumerable: true, writable: true, configurable: true });
  }
  const all = total ?? keys.length;
  if (all > i) out['[truncated]'] = `${all - i} more keys`;
  return out;
}

/** Two keys can read the same once cut (or made well-formed): the later one is numbered, " (2)", not lost. */
function freeKey(out: object, key: string): string {
  if (!Object.hasOwn(out, key)) return key;
  let n = 2;
  while (Object.hasOwn(out, `${key} (${n})`)) n++;
  return `${key} (${n})`;
}

function text(s: string, max: number): string {
  if (s.length <= max) return wellFormed(s);
  return `${wellFormed(s.slice(0, max))}…[${s.length - max} more chars]`;
}

/** JCS refuses lone surrogates (PROTOCOL.md §1); a cut or a broken string gets U+FFFD in their place. */
export function wellFormed(s: string): string {
  const native = (s as { toWellFormed?: () => string }).toWellFormed;
  return native ? native.call(s) : s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

function kindOf(obj: object): string {
  try {
    return (obj as { constructor?: { name?: unknown } }).constructor?.name as string || 'Object';
  } catch {
    return 'Object';
  }
}
