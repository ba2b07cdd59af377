import { AegisLogValidationError, ErrorCode } from './errors.js';

export interface CanonicalizeOptions {
  /**
   * PROTOCOL.md §1 refuses integers beyond ±(2^53−1), which `JSON.parse` would
   * round without a word. Plain RFC 8785 has no such rule (its own test vectors
   * contain 1E30), so the RFC conformance tests turn it off; evidence never does.
   */
  safeIntegersOnly?: boolean;
}

const encoder = new TextEncoder();

/** RFC 8785 canonical JSON as a string; throws `AegisLogValidationError` naming the path of the first value it cannot encode. */
export function canonicalize(value: unknown, options: CanonicalizeOptions = {}): string {
  const out: string[] = [];
  write(value, '$', out, new Set(), options.safeIntegersOnly !== false);
  return out.join('');
}

/** `C(x)` of PROTOCOL.md: the UTF-8 bytes of the JCS form. */
export function canonicalBytes(value: unknown, options?: CanonicalizeOptions): Uint8Array {
  return encoder.encode(canonicalize(value, options));
}

function write(value: unknown, path: string, out: string[], ancestors: Set<object>, safeInts: boolean): void {
  switch (typeof value) {
    case 'string':
      out.push(jsonString(value, path));
      return;
    case 'number':
      out.push(jsonNumber(value, path, safeInts));
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'bigint':
      throw invalid(path, 'is a BigInt; JSON has no such type (send it as a string)');
    case 'undefined':
      throw invalid(path, 'is undefined');
    case 'function':
    case 'symbol':
      throw invalid(path, `is a ${typeof value}`);
  }
  if (value === null) {
    out.push('null');
    return;
  }
  const obj = value as object;
  if (ancestors.has(obj)) throw invalid(path, 'is a cycle (it contains itself)');
  ancestors.add(obj);
  if (Array.isArray(obj)) {
    out.push('[');
    for (let i = 0; i < obj.length; i++) {
      if (i > 0) out.push(',');
      // A hole or `undefined` would silently become null in JSON.stringify.
      if (obj[i] === undefined) throw invalid(`${path}[${i}]`, 'is undefined inside an array');
      write(obj[i], `${path}[${i}]`, out, ancestors, safeInts);
    }
    out.push(']');
  } else {
    const proto = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null) {
      const kind = (obj as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      throw invalid(path, `is a ${kind}, not plain JSON data`);
    }
    const record = obj as Record<string, unknown>;
    // Keys sort by UTF-16 code units, which is exactly what the default sort compares.
    const keys = Object.keys(record).sort();
    out.push('{');
    let first = true;
    for (const key of keys) {
      const child = record[key];
      if (child === undefined) continue; // absent, as JSON.stringify treats it
      const childPath = childPathOf(path, key);
      if (!first) out.push(',');
      first = false;
      out.push(jsonString(key, childPath), ':');
      write(child, childPath, out, ancestors, safeInts);
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

function jsonString(s: string, path: string): string {
  if (!isWellFormed(s)) throw invalid(path, 'contains a lone surrogate (not valid Unicode)');
  // JSON.stringify escapes exactly what RFC 8785 §3.2.2.2 asks, in lower-case hex.
  return JSON.stringify(s);
}

function jsonNumber(n: number, path: string, safeInts: boolean): string {
  if (!Number.isFinite(n)) throw invalid(path, `is ${n}; JSON has no NaN or Infinity`);
  if (safeInts && Number.isInteger(n) && Math.abs(n) > Number.MAX_SAFE_INTEGER) {
    throw invalid(path, 'is an integer beyond ±(2^53−1), which JSON parsers round (send it as a string)');
  }
  // ECMAScript Number::toString is the serialisation RFC 8785 §3.2.2.3 prescribes; -0 becomes "0".
  return Object.is(n, -0) ? '0' : String(n);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function isWellFormed(s: string): boolean {
  const native = (s as { isWellFormed?: () => boolean }).isWellFormed;
  return native ? native.call(s) : !LONE_SURROGATE.test(s);
}

function invalid(path: string, why: string): AegisLogValidationError {
  return new AegisLogValidationError(ErrorCode.JcsInvalid, `${path} ${why}`, path);
}
