import { AegisLogError } from '../protocol/index.js';
import type { WireEvent } from '../protocol/index.js';
import { isPlainObject } from '../schema/index.js';
import { fitCount } from '../transport/bytes.js';

/** What the server's /ingest/batch answers (PROTOCOL.md §8), the relay's own refusals merged in. */
export interface BatchAnswer {
  receipts: unknown[];
  errors: BatchError[];
}

export interface BatchError {
  index: number;
  event_id?: string;
  code: string;
  message: string;
  field?: string;
}

/** The server's limits on one /ingest/batch request (PROTOCOL.md §7). */
const MAX_EVENTS = 500;
const MAX_BYTES = 1024 * 1024;
const ENVELOPE_BYTES = '{"events":[]}'.length;

/**
 * The error for a 200 that is not the API's answer (an HTML page, another service's JSON): the relay's
 * `endpoint` does not lead to the ingest routes. Passed on as it came, the browser client would count a
 * page as "no answer" but another service's JSON as a receipt that does not match, and drop the event.
 */
export function notTheApi(): AegisLogError {
  return new AegisLogError('ERR_BAD_RESPONSE', "the AegisLog API answered the relay 200 with something that is not its ingest answer: its endpoint does not lead to the API's ingest routes");
}

/** A 200 of `/ingest/batch` in the API's shape, `{"receipts":[…],"errors":[…]}` (each error naming its index), else undefined. */
function batchAnswerOf(text: string): Partial<BatchAnswer> | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isPlainObject(body) || !Array.isArray(body.receipts) || !Array.isArray(body.errors)) return undefined;
  if (!body.errors.every((error) => isPlainObject(error) && Number.isSafeInteger(error.index))) return undefined;
  return body as Partial<BatchAnswer>;
}

/**
 * Splits validated events into requests the server accepts (≤ 500 events,
 * ≤ 1 MiB) and posts them one after another with the relay's key. On the first
 * upstream failure it stops and returns that response: the browser retries the
 * whole request and the server dedupes by event_id, so nothing is stored twice. A 200 that is not the
 * API's answer throws `notTheApi()`.
 */
export async function forwardBatches(
  events: { event: WireEvent; index: number }[],
  post: (body: string) => Promise<Response>,
): Promise<BatchAnswer | Response> {
  const answer: BatchAnswer = { receipts: [], errors: [] };
  const bodies = events.map(({ event }) => JSON.stringify(event));
  for (let start = 0; start < bodies.length; ) {
    // An event too large to share a request goes alone; the server answers for it.
    const n = fitCount(bodies.slice(start), ENVELOPE_BYTES, MAX_BYTES, MAX_EVENTS) || 1;
    const chunk = events.slice(start, start + n);
    const response = await post(`{"events":[${bodies.slice(start, start + n).join(',')}]}`);
    if (response.status !== 200) return response;
    const body = batchAnswerOf(await response.text());
    if (!body) throw notTheApi();
    answer.receipts.push(...(body.receipts ?? []));
    // The server numbers errors within the request; give them the caller's numbering back.
    for (const error of body.errors ?? []) answer.errors.push({ ...error, index: chunk[error.index]?.index ?? error.index });
    start += n;
  }
  return answer;
}
