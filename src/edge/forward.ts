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

/**
 * The most an answer of the API's ingest routes holds: 500 receipts or errors, each well under 2 KB. A longer
 * one is not the API's answer (an `endpoint` leading to a file or a stream, or something in between).
 */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/**
 * The upstream answer's text, read up to MAX_ANSWER_BYTES: past that the read is cancelled and the answer
 * reads as empty, which is not in the API's words (not a receipt, not a batch answer, no error), so that
 * an answer of any size never fills the isolate's memory. A failure while reading (the timeout) is thrown.
 */
export async function answerText(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (let total = 0; ; ) {
    const next = await reader.read();
    if (next.done) return text + decoder.decode();
    total += next.value.byteLength;
    if (total > MAX_ANSWER_BYTES) {
      await reader.cancel().catch(() => {});
      return '';
    }
    text += decoder.decode(next.value, { stream: true });
  }
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
 * ≤ 1 MiB) and posts them one after another with the relay's key; an event that
 * alone does not fit one goes to /ingest through `postOne`. On the first
 * upstream failure it stops and returns that response: the browser retries the
 * whole request and the server dedupes by event_id, so nothing is stored twice. A 200 that is not the
 * API's answer throws `notTheApi()`.
 */
export async function forwardBatches(
  events: { event: WireEvent; index: number }[],
  post: (body: string) => Promise<Response>,
  postOne: (body: string) => Promise<Response>,
): Promise<BatchAnswer | Response> {
  const answer: BatchAnswer = { receipts: [], errors: [] };
  const bodies = events.map(({ event }) => JSON.stringify(event));
  for (let start = 0; start < bodies.length; ) {
    const n = fitCount(bodies.slice(start), ENVELOPE_BYTES, MAX_BYTES, MAX_EVENTS);
    if (n === 0) {
      // Written again, an event may be longer than the browser wrote it (`9e15` is `9000000000000000`):
      // one the server takes (≤ 1 MiB as canonical JSON) may no longer fit a batch request with its
      // envelope, and the server would refuse the request (413). Alone on /ingest (4 MiB), it is taken.
      const refused = await forwardAlone(bodies[start]!, events[start]!, postOne, answer);
      if (refused) return refused;
      start += 1;
      continue;
    }
    const chunk = events.slice(start, start + n);
    const response = await post(`{"events":[${bodies.slice(start, start + n).join(',')}]}`);
    if (response.status !== 200) return response;
    const body = batchAnswerOf(await answerText(response));
    if (!body) throw notTheApi();
    answer.receipts.push(...(body.receipts ?? []));
    // The server numbers errors within the request; give them the caller's numbering back.
    for (const error of body.errors ?? []) answer.errors.push({ ...error, index: chunk[error.index]?.index ?? error.index });
    start += n;
  }
  return answer;
}

/**
 * One event on /ingest, its answer put in the batch's: the receipt, or the refusal of the event (400, 409, a
 * 403 naming a field, the event over its size limit) as the batch route words it; any other answer is returned, for the relay to pass on.
 * The event passed the batch route's checks, which refuse every `null` that /ingest would take for absent.
 */
async function forwardAlone(body: string, { event, index }: { event: WireEvent; index: number }, postOne: (body: string) => Promise<Response>, answer: BatchAnswer): Promise<Response | undefined> {
  const response = await postOne(body);
  const text = await answerText(response);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: passed on below
  }
  if (response.status === 200) {
    if (!isPlainObject(parsed) || typeof parsed.event_id !== 'string') throw notTheApi();
    answer.receipts.push(parsed);
    return undefined;
  }
  const error = isPlainObject(parsed) && isPlainObject(parsed.error) && typeof parsed.error.code === 'string' ? parsed.error : undefined;
  // 413 ERR_TOO_LARGE is the event's own size (measured with the key's tenant, which the relay does not know).
  const ofEvent = response.status === 400 || response.status === 409 || (response.status === 403 && typeof error?.field === 'string') || (response.status === 413 && error?.code === 'ERR_TOO_LARGE');
  // Passed on as it came; a status that carries no body (204, 205, 304) takes none: a Response given one throws.
  if (!error || !ofEvent) return new Response([204, 205, 304].includes(response.status) ? null : text, { status: response.status, headers: response.headers });
  answer.errors.push({
    index,
    ...(typeof event.event_id === 'string' ? { event_id: event.event_id } : {}),
    code: String(error.code),
    message: String(error.message),
    ...(typeof error.field === 'string' ? { field: error.field } : {}),
  });
  return undefined;
}
