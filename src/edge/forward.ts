import type { WireEvent } from '../protocol/index.js';
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
 * Splits validated events into requests the server accepts (≤ 500 events,
 * ≤ 1 MiB) and posts them one after another with the relay's key. On the first
 * upstream failure it stops and returns that response: the browser retries the
 * whole request and the server dedupes by event_id, so nothing is stored twice.
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
    const body = (await response.json()) as Partial<BatchAnswer>;
    answer.receipts.push(...(body.receipts ?? []));
    // The server numbers errors within the request; give them the caller's numbering back.
    for (const error of body.errors ?? []) answer.errors.push({ ...error, index: chunk[error.index]?.index ?? error.index });
    start += n;
  }
  return answer;
}
