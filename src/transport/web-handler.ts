import { AegisLogError } from '../protocol/index.js';

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

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

export function errorBody(code: string, message: string, field?: string, extra: Record<string, string> = {}) {
  return { error: { code, message, ...(field === undefined ? {} : { field }), ...extra } };
}

/**
 * Reads the body with a byte counter: a declared Content-Length over the limit
 * is refused before reading, and a stream that grows past it is cancelled at
 * once, so an oversized body is never held whole in memory.
 */
export async function readBody(request: Request, limit: number): Promise<Uint8Array> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) throw tooLarge(`body is larger than ${limit} bytes`);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(`body is larger than ${limit} bytes`);
    }
    chunks.push(value);
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

export async function readJson(request: Request, limit: number): Promise<unknown> {
  const bytes = await readBody(request, limit);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new HttpError(400, 'bad_json', 'body is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, 'bad_json', `body is not valid JSON: ${(error as Error).message}`);
  }
}
