/**
 * The witness over HTTP, as a Web `(Request) => Promise<Response>`:
 * `POST <prefix>/add-checkpoint` and `GET <prefix>/<origin hash>/checkpoint`
 * (C2SP tlog-witness), and `GET <prefix>/<origin hash>/refusals` (NDJSON of the
 * kept refusals: evidence that a log forked; `?limit=&after=` pages, the next in `Link`). Answers are text, as C2SP clients
 * read them; a failure of the witness itself is a 500 that says nothing more (its store unavailable: 503, `Retry-After`).
 */
import { AegisLogError, b64Encode } from '../protocol/index.js';
import { TLOG_SIZE_CONTENT_TYPE } from '../tlog/witness-protocol.js';
import { HttpError, readBody, requireIdentityEncoding } from '../transport/web-handler.js';
import type { Refusal } from './store.js';
import { MAX_REFUSALS_PAGE, type Witness } from './witness.js';

export interface WitnessHandlerOptions {
  /** Submission and monitoring prefix, a path such as `/witness` (default: none); anything else throws `ERR_CONFIG`. */
  prefix?: string;
  /** Largest request body, in bytes. Default 1 MiB (a note of 100 ML-DSA-44 cosignatures is a third of that). */
  maxBodyBytes?: number;
  /** Called with what made a 500 (the store failing); the client is told nothing of it. */
  onError?: (error: unknown) => void;
}

const TEXT = 'text/plain; charset=utf-8';
// ignoreBOM: a leading BOM is kept, so the parser refuses a body not in the spec's format.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function witnessHandler(witness: Witness, options: WitnessHandlerOptions = {}): (request: Request) => Promise<Response> {
  if (options.prefix !== undefined && options.prefix !== '' && !(typeof options.prefix === 'string' && options.prefix.startsWith('/'))) {
    throw new AegisLogError('ERR_CONFIG', `prefix ${JSON.stringify(options.prefix)} must be a path starting with "/" (e.g. /witness)`, { field: 'prefix' });
  }
  // A limit that is not a number (NaN from an unset variable) would be no limit at all: every comparison with it is false.
  const limit = options.maxBodyBytes ?? 1024 * 1024;
  if (!(Number.isSafeInteger(limit) && limit >= 1)) throw new AegisLogError('ERR_CONFIG', 'maxBodyBytes must be a whole number of bytes ≥ 1', { field: 'maxBodyBytes' });
  const prefix = (options.prefix ?? '').replace(/\/+$/, '');
  // An onError that throws must not take the answer with it (as the log server guards its own): reporting failed, that is all.
  const report = (error: unknown) => {
    try {
      options.onError?.(error);
    } catch {
      // the answer goes out as if it had not
    }
  };
  const monitor = /^\/([0-9a-f]{64})\/(checkpoint|refusals)$/;

  return async (request) => {
    try {
      const url = new URL(request.url);
      const path = url.pathname;
      if (!path.startsWith(`${prefix}/`)) return text(404, 'not found\n');
      const rest = path.slice(prefix.length);
      if (rest === '/add-checkpoint') {
        if (request.method !== 'POST') return text(405, 'add-checkpoint takes POST\n', { allow: 'POST' });
        let body: string;
        try {
          requireIdentityEncoding(request); // a compressed body: 415 naming it, as the log server answers
          body = utf8.decode(await readBody(request, limit));
        } catch (error) {
          if (error instanceof HttpError) return text(error.status, `${error.message}\n`);
          return text(400, 'the body is not valid UTF-8\n');
        }
        const result = await witness.addCheckpoint(body);
        if (result.status === 200) return text(200, result.body);
        if (result.status === 409) return new Response(`${result.size}\n`, { status: 409, headers: { 'content-type': TLOG_SIZE_CONTENT_TYPE, 'cache-control': 'no-store' } });
        return text(result.status, `${result.reason}\n`);
      }
      const match = monitor.exec(rest);
      if (match) {
        if (request.method !== 'GET' && request.method !== 'HEAD') return text(405, 'monitoring takes GET\n', { allow: 'GET, HEAD' });
        if (match[2] === 'checkpoint') {
          const note = await witness.checkpoint(match[1]!);
          return note === undefined ? text(404, 'this witness has cosigned no checkpoint of that log\n') : text(200, note);
        }
        const hash = match[1]!;
        const page = { limit: pageParam(url, 'limit'), after: pageParam(url, 'after') };
        let head: Refusal[] | undefined;
        try {
          // The witness checks the parameters, limit first, before the page is read: no refusal lies at the last
          // safe integer, so the first call reads none, and the second one at most.
          head = (await witness.refusals(hash, { limit: page.limit, after: Number.MAX_SAFE_INTEGER })) && (await witness.refusals(hash, { after: page.after, limit: 1 }));
        } catch (error) {
          if (error instanceof AegisLogError && error.code === 'ERR_WITNESS_REQUEST') return text(400, `${error.message}\n`);
          throw error;
        }
        if (head === undefined) return text(404, 'this witness does not witness that log\n');
        // The next page's address is in Link (RFC 8288), so the body stays NDJSON of refusals. Only when a
        // refusal is left after a full page (refusals are only appended: one after it means the page is full),
        // so that no client is sent to an empty page.
        const limit = page.limit ?? MAX_REFUSALS_PAGE;
        const first = page.after ?? 0;
        const more = head.length > 0 && (await witness.refusals(hash, { after: first + limit, limit: 1 }))!.length > 0;
        const next = `${path}?after=${first + limit}&limit=${limit}`;
        return new Response(head.length === 0 ? '' : refusalLines(witness, hash, first, limit, report), {
          status: 200,
          headers: {
            'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store',
            ...(more ? { link: `<${next}>; rel="next"` } : {}),
          },
        });
      }
      return text(404, 'not found\n');
    } catch (error) {
      report(error);
      // The store down or restarting: nothing was cosigned, and the submitter retries, as the log server's 503 says.
      if (error instanceof AegisLogError && error.code === 'ERR_STORE_UNAVAILABLE') return text(503, 'the witness store is unavailable; retry later\n', { 'retry-after': '1' });
      return text(500, 'internal error\n');
    }
  };
}

/** Refusals read at a time for a page: a refusal holds two notes of up to a million characters each. */
const REFUSALS_BATCH = 16;

/**
 * The NDJSON of the refusals `first` to `first + limit` (fewer if fewer are kept), read and sent a batch at a
 * time: a page of 1,000 long refusals is gigabytes, past the longest string V8 makes.
 */
function refusalLines(witness: Witness, hash: string, first: number, limit: number, onError?: (error: unknown) => void): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const want = Math.min(REFUSALS_BATCH, limit - sent);
      let batch: Refusal[];
      try {
        batch = want > 0 ? ((await witness.refusals(hash, { after: first + sent, limit: want })) ?? []) : [];
      } catch (error) {
        onError?.(error);
        controller.error(error);
        return;
      }
      sent += batch.length;
      if (batch.length > 0) controller.enqueue(encoder.encode(batch.map((r) => `${JSON.stringify(refusalWire(r))}\n`).join('')));
      if (batch.length < want || sent === limit) controller.close();
    },
  });
}

/**
 * A page parameter: undefined when absent, NaN when not a plain decimal integer or given twice (Witness.refusals names
 * it then), as the log server refuses a repeated parameter rather than pick one.
 */
function pageParam(url: URL, name: string): number | undefined {
  const [value, again] = url.searchParams.getAll(name);
  if (value === undefined) return undefined;
  if (again !== undefined) return Number.NaN;
  return /^(0|[1-9][0-9]{0,15})$/.test(value) ? Number(value) : Number.NaN;
}

/** A refusal on the wire (snake_case, standard base64 as in notes). */
export function refusalWire(r: Refusal) {
  return {
    origin: r.origin,
    kind: r.kind,
    status: r.status,
    reason: r.reason,
    time: r.time,
    request: r.request,
    cosigned: { size: r.cosigned.size, root: b64Encode(r.cosigned.root), note: r.cosigned.note },
  };
}

function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { 'content-type': TEXT, 'cache-control': 'no-store', ...headers } });
}
