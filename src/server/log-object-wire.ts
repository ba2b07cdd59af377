/**
 * The calls between `durableObjectStore` and the log objects (src/server/log-objects.ts):
 * a POST of `[method, ...args]` as JSON to the object's `fetch`, answered with
 * `{ value }` or `{ error }`. Bytes travel as `{ "$bytes": base64url }` (a user's
 * keys that start with `$` are escaped, below), and an AegisLogError keeps its code
 * and field across the call. Plain `fetch`, so an object needs no RPC types and any
 * Durable Object stub (or a local object) serves.
 */
import { AegisLogError, b64uDecode, b64uEncode, type ErrorCode } from '../protocol/index.js';

/** A log object as the store sees it: a Durable Object stub, or a local object with the same `fetch`. */
export interface LogObject {
  fetch(request: Request): Promise<Response>;
}

const CALL_URL = 'https://aegislog.log-object/call';

/**
 * A user's object (an event's payload) travels in the same JSON as the store's bytes, so
 * its keys that start with `$` gain one more on the wire: a one-key `{"$bytes": …}`
 * there is always a Uint8Array. Only the wire changes: the objects store event text.
 */
const escapeKeys = (v: object) => Object.fromEntries(Object.entries(v).map(([k, x]) => [k.startsWith('$') ? `$${k}` : k, x]));
const unescapeKeys = (v: object) => Object.fromEntries(Object.entries(v).map(([k, x]) => [k.startsWith('$$') ? k.slice(1) : k, x]));
const hasDollarKey = (v: object) => Object.keys(v).some((k) => k.startsWith('$'));

const encode = (value: unknown) =>
  JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Uint8Array) return { $bytes: b64uEncode(v) };
    return v !== null && typeof v === 'object' && !Array.isArray(v) && hasDollarKey(v) ? escapeKeys(v) : v;
  });
const decode = (text: string) =>
  JSON.parse(text, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v) || !hasDollarKey(v)) return v;
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === '$bytes') return b64uDecode((v as { $bytes: string }).$bytes);
    return unescapeKeys(v);
  }) as unknown;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Calls `method` on a log object; its error comes back as thrown here, and a failed call as ERR_STORE_UNAVAILABLE (503),
 * as is an answer that is not `{ value }` or `{ error: { message, code?, field? } }` (naming what is wrong in `field`):
 * whether the call took effect is unknown, and every call may be made again.
 */
export async function callLogObject<T>(object: LogObject, method: string, args: readonly unknown[]): Promise<T> {
  let answer: unknown;
  try {
    const response = await object.fetch(new Request(CALL_URL, { method: 'POST', body: encode([method, ...args]) }));
    answer = decode(await response.text());
  } catch (cause) {
    throw new AegisLogError('ERR_STORE_UNAVAILABLE', `the log object did not answer ${method}: ${(cause as Error).message}`, { cause });
  }
  const malformed = (field: string, what: string) =>
    new AegisLogError('ERR_STORE_UNAVAILABLE', `the log object answered ${method} with a malformed message: ${field} must be ${what}`, { field });
  if (!isObject(answer)) throw malformed('answer', 'an object');
  if (answer.error === undefined) return answer.value as T;
  const error = answer.error;
  if (!isObject(error)) throw malformed('error', 'an object');
  const { code, message, field } = error;
  if (typeof message !== 'string') throw malformed('error.message', 'a string');
  if (code !== undefined && (typeof code !== 'string' || !code.startsWith('ERR_'))) throw malformed('error.code', 'an ERR_ code');
  if (field !== undefined && typeof field !== 'string') throw malformed('error.field', 'a string');
  // The object runs this same module: its codes are ErrorCodes, passed through as thrown there.
  throw code ? new AegisLogError(code as ErrorCode, message, field === undefined ? undefined : { field }) : new Error(message);
}

/** Answers one call on `methods` (the object side of `callLogObject`). */
export async function answerLogCall(methods: Record<string, (...args: never[]) => unknown>, request: Request): Promise<Response> {
  const json = (body: unknown) => new Response(encode(body), { headers: { 'content-type': 'application/json' } });
  try {
    if (request.method !== 'POST' || new URL(request.url).href !== CALL_URL) throw new AegisLogError('ERR_LOG_OBJECT_CALL', 'a log object answers only store calls');
    const call = decode(await request.text());
    if (!Array.isArray(call) || typeof call[0] !== 'string') throw new AegisLogError('ERR_LOG_OBJECT_CALL', 'a call is [method, ...args], method a string', { field: 'method' });
    const [method, ...args] = call as [string, ...never[]];
    const fn = Object.hasOwn(methods, method) ? methods[method] : undefined;
    if (!fn) throw new AegisLogError('ERR_LOG_OBJECT_CALL', `a log object has no method ${JSON.stringify(method)}`);
    const value = await fn(...args);
    return json(value === undefined ? {} : { value });
  } catch (error) {
    const e = error as { code?: unknown; message?: unknown; field?: unknown };
    return json({
      error: {
        ...(error instanceof AegisLogError ? { code: e.code, ...(e.field === undefined ? {} : { field: e.field }) } : {}),
        message: String(e.message ?? error),
      },
    });
  }
}
