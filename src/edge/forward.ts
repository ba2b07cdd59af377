import type { WireEvent } from '../protocol/index.js';

/** What the server's /ingest/batch answers (PROTOCOL.md §7), the relay's own refusals merged in. */
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

const utf8 = new TextEncoder();

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
  for (const chunk of chunks(events)) {
    const response = await post(`{"events":[${chunk.map((c) => c.json).join(',')}]}`);
    if (response.status !== 200) return response;
    const body = (await response.json()) as Partial<BatchAnswer>;
    answer.receipts.push(...(body.receipts ?? []));
    // The server numbers errors within the chunk; give them the caller's numbering back.
    for (const error of body.errors ?? []) answer.errors.push({ ...error, index: chunk[error.index]?.index ?? error.index });
  }
  return answer;
}

function chunks(events: { event: WireEvent; index: number }[]): { json: string; index: number }[][] {
  const out: { json: string; index: number }[][] = [];
  let current: { json: string; index: number }[] = [];
  let bytes = ENVELOPE_BYTES;
  for (const { event, index } of events) {
    const json = JSON.stringify(event);
    const size = utf8.encode(json).length + 1;
    if (current.length > 0 && (current.length === MAX_EVENTS || bytes + size > MAX_BYTES)) {
      out.push(current);
      current = [];
      bytes = ENVELOPE_BYTES;
    }
    current.push({ json, index });
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}
