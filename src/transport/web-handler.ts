import { AegisLogError, childPathOf, pathOf } from '../protocol/index.js';
import type { JsonPath } from '../protocol/index.js';
import { DEFAULT_JSON_LIMITS, JsonScanner, pathsAt } from './json-guard.js';
import type { JsonLimits, JsonRefusal } from './json-guard.js';
import { duplicateNameReason, findDuplicateName } from '../protocol/duplicate-names.js';

/**
 * Web-standard HTTP plumbing for request handlers: typed errors, JSON answers in the API's
 * error dialect, and bodies read with a byte limit. Shared by the reference server and the edge
 * relay (both `Request -> Response` handlers), so it sits below them.
 */

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string, field?: string) => new HttpError(400, 'bad_request', message, field);
export const notFound = (message = 'not found') => new HttpError(404, 'not_found', message);
export const forbidden = (message: string, field?: string) => new HttpError(403, 'forbidden', message, field);
export const tooLarge = (message: string) => new HttpError(413, 'payload_too_large', message);
/** A method a route does not take, in the words the server and the relay both answer with; `allow` lists those it takes. */
export const methodNotAllowed = (method: string, path: string, allow: string) =>
  new HttpError(405, 'method_not_allowed', `${method} is not allowed on ${path}`, undefined, { allow });

/** AegisLogError codes that mean "your input is bad" (400, or 413 for size), not "the server failed". */
const INPUT_CODES = new Set(['ERR_SCHEMA_INVALID', 'ERR_RESERVED_FIELD', 'ERR_JCS_INVALID', 'ERR_TOO_DEEP', 'ERR_TIME_INVALID', 'ERR_TOO_LARGE']);

/** What the client is told about a failure of its own making. */
export interface ClientError {
  status: number;
  code: string;
  message: string;
  field?: string | undefined;
  headers?: Record<string, string> | undefined;
}

/** An `HttpError`, or an `AegisLogError` on bad input, as the client is told it; undefined for a failure of the server. */
export function clientError(error: unknown): ClientError | undefined {
  if (error instanceof HttpError) return error;
  if (!(error instanceof AegisLogError) || !INPUT_CODES.has(error.code)) return undefined;
  return { status: error.code === 'ERR_TOO_LARGE' ? 413 : 400, code: error.code, message: error.message, field: error.field };
}

/** The headers of every JSON answer, before its own. */
export const JSON_HEADERS: Readonly<Record<string, string>> = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } });
}

export function errorBody(code: string, message: string, field?: string, extra: Record<string, string> = {}) {
  return { error: { code, message, ...(field === undefined ? {} : { field }), ...extra } };
}

/**
 * Reads the body with a byte counter: a declared Content-Length over the limit
 * is refused before reading, and a stream that grows past it is cancelled at
 * once, so an oversized body is never held whole in memory. `onChunk` sees each
 * chunk as it arrives and may refuse the body by throwing.
 */
export async function readBody(request: Pick<Request, 'headers' | 'body'>, limit: number, onChunk?: (chunk: Uint8Array) => void): Promise<Uint8Array> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) throw tooLarge(`body is larger than ${limit} bytes`);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch {
        throw badRequest('the request body was cut off before its end');
      }
      if (next.done) break;
      total += next.value.byteLength;
      if (total > limit) throw tooLarge(`body is larger than ${limit} bytes`);
      onChunk?.(next.value);
      chunks.push(next.value);
    }
  } catch (error) {
    await reader.cancel().catch(() => {});
    throw error;
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A number literal that a double cannot hold, where it is (`undefined`: the body itself) and its text. */
export interface BadNumber {
  path: JsonPath | undefined;
  text: string;
}

export interface JsonBody {
  value: unknown;
  /** Bytes and JSON values in the body (what it cost to read). */
  bytes: number;
  values: number;
  /** Number literals that do not survive as a double, for the caller to refuse (a batch: only their events). */
  badNumbers: BadNumber[];
}

/**
 * Reads a JSON body under a byte limit and `JsonLimits`, checked while it
 * streams in (src/transport/json-guard.ts), then parses it. Too deep: 400
 * `ERR_TOO_DEEP`; too many values: 413 (split it); not UTF-8 or not JSON: 400
 * `bad_json`. Numbers that would change value are returned in `badNumbers`.
 */
export async function readJsonBody(
  request: Pick<Request, 'headers' | 'body'>,
  limit: number,
  limits: JsonLimits = DEFAULT_JSON_LIMITS,
  /** Told the JSON values scanned, once, whether the body is accepted or refused: what reading it cost. */
  spent?: (values: number) => void,
): Promise<JsonBody> {
  const scanner = new JsonScanner(limits);
  let bytes: Uint8Array;
  try {
    bytes = await readBody(request, limit, (chunk) => refuse(scanner.push(chunk)));
  } finally {
    spent?.(scanner.values);
  }
  return parsed(bytes, scanner);
}

/**
 * `readJsonBody` for bytes already read (`/beacon` reads its body before checking the key it holds,
 * and only then scans and parses it).
 */
export function parseJsonBytes(bytes: Uint8Array, limits: JsonLimits = DEFAULT_JSON_LIMITS, spent?: (values: number) => void): JsonBody {
  const scanner = new JsonScanner(limits);
  try {
    refuse(scanner.push(bytes));
  } finally {
    spent?.(scanner.values);
  }
  return parsed(bytes, scanner);
}

function refuse(refusal: JsonRefusal | undefined): void {
  if (refusal?.kind === 'depth') throw new HttpError(400, 'ERR_TOO_DEEP', `the body nests deeper than ${refusal.limit} levels`);
  if (refusal) throw tooLarge(`the body holds more than ${refusal.limit} JSON values; split it`);
}

/** A body the scanner has seen whole: decoded, parsed, its numbers that would change value found. */
function parsed(bytes: Uint8Array, scanner: JsonScanner): JsonBody {
  scanner.end();
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new HttpError(400, 'bad_json', 'body is not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, 'bad_json', `body is not valid JSON: ${(error as Error).message}`);
  }
  // A member name twice (`{"event_id":"a","event_id":"b"}`): JSON.parse kept the last, another reader the first,
  // and the verifier refuses such a text (RFC 8785 takes I-JSON). Refused naming the member, as it does.
  const duplicate = typeof value === 'object' && value !== null ? findDuplicateName(text) : undefined;
  if (duplicate) {
    const { path, name } = duplicate;
    const field = childPathOf(path.startsWith('$.') ? path.slice(2) : path, name);
    throw new AegisLogError('ERR_JCS_INVALID', duplicateNameReason(duplicate), { field });
  }
  const { badNumbers: at } = scanner;
  const paths = at.length === 0 ? [] : pathsAt(bytes, at);
  const badNumbers: BadNumber[] = [];
  // One that JSON.parse dropped (under a repeated key) is in no event: naming it would refuse another.
  at.forEach((offset, i) => paths[i] !== null && badNumbers.push({ path: paths[i] ?? undefined, text: numberAt(bytes, offset) }));
  return { value, bytes: bytes.byteLength, values: scanner.values, badNumbers };
}

/** `readJsonBody`'s value; a number that would change value refuses the body, naming its field. */
export async function readJson(request: Request, limit: number, limits?: JsonLimits): Promise<unknown> {
  const body = await readJsonBody(request, limit, limits);
  const [bad] = body.badNumbers;
  if (bad) throw badNumberError(pathOf(bad.path), bad.text);
  return body.value;
}

/** 400 `ERR_JCS_INVALID` naming a number that a double cannot hold. */
/**
 * A batch's numbers that a double cannot hold, by event (the server's batch and beacon routes, and the
 * relay's): the error of each event holding one, its field named within the event, so that the event
 * is refused alone. One outside `events[i]` throws: the whole body is refused, naming it.
 */
export function badNumbersByEvent(badNumbers: readonly BadNumber[]): Map<number, AegisLogError> {
  const refused = new Map<number, AegisLogError>();
  for (const { path, text } of badNumbers) {
    const keys: (string | number)[] = [];
    for (let at = path; at; at = at.up) keys.unshift(at.key);
    if (keys[0] !== 'events' || typeof keys[1] !== 'number') throw badNumberError(pathOf(path), text);
    if (refused.has(keys[1])) continue;
    const within = keys.slice(2).reduce<JsonPath | undefined>((up, key) => ({ up, key }), undefined);
    refused.set(keys[1], badNumberError(pathOf(within), text));
  }
  return refused;
}

export function badNumberError(field: string, text: string): AegisLogError {
  const shown = text.length > 40 ? `${text.slice(0, 37)}...` : text;
  return new AegisLogError('ERR_JCS_INVALID', `${field} is ${shown}, which a double cannot hold (it would be stored as ${Number(text)}); send it as a string`, { field });
}

function numberAt(bytes: Uint8Array, offset: number): string {
  let end = offset;
  while (end < bytes.length && /[-+.eE0-9]/.test(String.fromCharCode(bytes[end]!))) end++;
  return new TextDecoder().decode(bytes.subarray(offset, end));
}

/**
 * The body's media type must be JSON (`application/json`, charset UTF-8 if
 * given); `also` names others a route takes (`/beacon`: `text/plain`, which
 * `sendBeacon` sends). Else 415; so is a body with a `Content-Encoding` other than identity.
 */
export function requireJsonType(request: Request, also: readonly string[] = []): void {
  const header = request.headers.get('content-type');
  const [type = '', ...params] = (header ?? '').split(';').map((p) => p.trim().toLowerCase());
  const charset = params.find((p) => p.startsWith('charset='))?.slice(8).replace(/^"|"$/g, '');
  const accepted = ['application/json', ...also];
  if (accepted.includes(type) && (charset === undefined || charset === 'utf-8')) return requireIdentityEncoding(request);
  const wanted = accepted.join(' or ');
  const message = header === null ? `no Content-Type: send ${wanted}` : `Content-Type ${header} is not accepted here: send ${wanted} (UTF-8)`;
  throw new HttpError(415, 'unsupported_media_type', message, 'content-type');
}

/** A body sent compressed (`Content-Encoding: gzip`) is refused 415 naming it (RFC 9110 §15.5.16), not read as JSON. */
export function requireIdentityEncoding(request: Request): void {
  const encoding = request.headers.get('content-encoding');
  if (encoding === null || ['', 'identity'].includes(encoding.trim().toLowerCase())) return;
  throw new HttpError(415, 'unsupported_media_type', `Content-Encoding ${encoding} is not accepted here: send the body uncompressed`, 'content-encoding');
}
