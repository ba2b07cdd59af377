/**
 * An upstream that records what the relay sends it and answers in the shape of
 * the server's /ingest and /ingest/batch (PROTOCOL.md §7). It checks the relay's
 * side of the contract (key added, browser key dropped, batches split, numbering
 * kept); the round trips through the real reference server are in the workerd
 * and edge-runtime suites.
 */
export interface Seen {
  url: string;
  headers: Headers;
  body: any;
}

export function recordingUpstream(answer?: (seen: Seen) => Response | undefined) {
  const seen: Seen[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const entry: Seen = { url: request.url, headers: request.headers, body: JSON.parse(await request.text()) };
    seen.push(entry);
    const custom = answer?.(entry);
    if (custom) return custom;
    if (request.url.endsWith('/ingest')) return Response.json({ ok: true, event_id: entry.body.event_id });
    return Response.json({ receipts: entry.body.events.map((e: any) => ({ ok: true, event_id: e.event_id })), errors: [] });
  };
  return { fetch: fetch as typeof globalThis.fetch, seen };
}

let n = 0;
export function event(extra: Record<string, unknown> = {}): Record<string, unknown> {
  n += 1;
  return {
    tenant_id: 'acme',
    event_type: 'model_inference',
    event_id: `evt-${n}`,
    trace_id: `trace-${n}`,
    model_context: { model_id: 'gpt-4o', model_version: '2024-08-06' },
    prompt_chars: 120,
    ...extra,
  };
}
