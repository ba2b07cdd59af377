import { AegisLogValidationError } from './errors.js';

export interface CanonicalizeOptions {
  /**
   * PROTOCOL.md §1 refuses integers beyond ±(2^53−1), which `JSON.parse` would
   * round without a word. Plain RFC 8785 has no such rule (its own test vectors
   * contain 1E30), so the RFC conformance tests turn it off; evidence never does.
   */
  safeIntegersOnly?: boolean;
}

const encoder = new TextEncoder();

/**
 * Deepest nesting of objects and arrays canonicalised, the value itself being depth 1; deeper is
 * `ERR_TOO_DEEP`. The writer recurses once a level, and a stack overflow would be a RangeError at a
 * depth that differs between runtimes (about 3,100 levels in Node's default stack, 800 in 256 KiB):
 * this bound is the same everywhere and far from both. Nothing the protocol signs comes close: an
 * event nests at most 32 levels (schema MAX_DEPTH), a server's request body 64 (`jsonDepth`).
 */
export const JCS_MAX_DEPTH = 256;

/** RFC 8785 canonical JSON as a string; throws `AegisLogValidationError` naming the path of the first value it cannot encode. */
export function canonicalize(value: unknown, options?: CanonicalizeOptions): string {
  const out: string[] = [];
  // `?.`: null options are no options (as importPublicKey reads them), not a TypeError.
  write(value, undefined, out, new Set(), options?.safeIntegersOnly !== false, 1);
  return out.join('');
}

/** `C(x)` of PROTOCOL.md: the UTF-8 bytes of the JCS form. */
export function canonicalBytes(value: unknown, options?: CanonicalizeOptions): Uint8Array {
  return encoder.encode(canonicalize(value, options));
}

/**
 * Where a value sits, kept as a linked list and spelled out only when an error
 * names it: building a path string for every member costs more than the
 * serialisation itself on a typical event.
 */
export interface JsonPath {
  up: JsonPath | undefined;
  key: string | number;
}
type Where = JsonPath;

/** The text of a path: `a.b[2]`, `$["odd key"]`, `$` for the root. */
export function pathOf(where: Where | undefined): string {
  if (where === undefined) return '$';
  const parent = pathOf(where.up);
  return typeof where.key === 'number' ? `${parent}[${where.key}]` : childPathOf(parent, where.key);
}

function write(value: unknown, where: Where | undefined, out: string[], ancestors: Set<object>, safeInts: boolean, depth: number): void {
  switch (typeof value) {
    case 'string':
      out.push(jsonString(value, where));
      return;
    case 'number':
      out.push(jsonNumber(value, where, safeInts));
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'bigint':
      throw invalid(where, 'is a BigInt; JSON has no such type (send it as a string)');
    case 'undefined':
      throw invalid(where, 'is undefined');
    case 'function':
    case 'symbol':
      throw invalid(where, `is a ${typeof value}`);
  }
  if (value === null) {
    out.push('null');
    return;
  }
  const obj = value as object;
  if (depth > JCS_MAX_DEPTH) throw invalid(where, `nests deeper than ${JCS_MAX_DEPTH} levels`, 'ERR_TOO_DEEP');
  if (ancestors.has(obj)) throw invalid(where, 'is a cycle (it contains itself)');
  ancestors.add(obj);
  if (Array.isArray(obj)) {
    out.push('[');
    for (let i = 0; i < obj.length; i++) {
      if (i > 0) out.push(',');
      const at = { up: where, key: i };
      // A hole or `undefined` would silently become null in JSON.stringify.
      if (obj[i] === undefined) throw invalid(at, 'is undefined inside an array');
      write(obj[i], at, out, ancestors, safeInts, depth + 1);
    }
    out.push(']');
  } else {
    const proto = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null) {
      const kind = (obj as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      throw invalid(where, `is a ${kind}, not plain JSON data`);
    }
    const record = obj as Record<string, unknown>;
    // Keys sort by UTF-16 code units, which is exactly what the default sort compares.
    const keys = Object.keys(record).sort();
    out.push('{');
    let first = true;
    for (const key of keys) {
      const child = record[key];
      if (child === undefined) continue; // absent, as JSON.stringify treats it
      const at = { up: where, key };
      if (!first) out.push(',');
      first = false;
      out.push(jsonString(key, at), ':');
      write(child, at, out, ancestors, safeInts, depth + 1);
    }
    out.push('}');
  }
  ancestors.delete(obj);
}

/** `a.b`, `a["odd key"]`; keys of the root stand alone (`model_context`, not `$.model_context`) so that errors name fields as users wrote them. */
export function childPathOf(path: string, key: string): string {
  const plain = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key);
  if (path === '$') return plain ? key : `$[${JSON.stringify(key)}]`;
  return plain ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function jsonString(s: string, where: Where | undefined): string {
  if (!isWellFormed(s)) throw invalid(where, 'contains a lone surrogate (not valid Unicode)');
  // JSON.stringify escapes exactly what RFC 8785 §3.2.2.2 asks, in lower-case hex.
  return JSON.stringify(s);
}

function jsonNumber(n: number, where: Where | undefined, safeInts: boolean): string {
  if (!Number.isFinite(n)) throw invalid(where, `is ${n}; JSON has no NaN or Infinity`);
  if (safeInts && Number.isInteger(n) && Math.abs(n) > Number.MAX_SAFE_INTEGER) {
    throw invalid(where, 'is an integer beyond ±(2^53−1), which JSON parsers round (send it as a string)');
  }
  // ECMAScript Number::toString is the serialisation RFC 8785 §3.2.2.3 prescribes; -0 becomes "0".
  return Object.is(n, -0) ? '0' : String(n);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** No lone surrogates: what RFC 8785 (and UTF-8) can carry. */
export function isWellFormed(s: string): boolean {
  const native = (s as { isWellFormed?: () => boolean }).isWellFormed;
  return native ? native.call(s) : !LONE_SURROGATE.test(s);
}

function invalid(where: Where | undefined, why: string, code: 'ERR_JCS_INVALID' | 'ERR_TOO_DEEP' = 'ERR_JCS_INVALID'): AegisLogValidationError {
  const path = pathOf(where);
  return new AegisLogValidationError(code, `${path} ${why}`, path);
}
