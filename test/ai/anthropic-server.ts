/**
 * A small Anthropic Messages API on 127.0.0.1 for the tests: POST /v1/messages (and `?beta=true`), answering
 * a message as JSON, or its server-sent events as the real API streams them (message_start, content_block_start,
 * ping, content_block_delta with text_delta or input_json_delta, content_block_stop, message_delta with
 * stop_reason and usage, message_stop; an `error` event mid-stream), and API errors in the API's own body
 * (`{ type: "error", error: { type, message } }`, 429, 529 overloaded…). It stands in for the model provider,
 * which cannot run here. Each request takes the next scripted answer, or the default one (a short answer about
 * the last user message, streamed when the request asks for a stream).
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Script =
  /** A JSON answer (status 200 unless given). */
  | { json: unknown; status?: number }
  /**
   * Server-sent events, each `event:` line named after its data's `type`.
   * `hold`: after that many events, wait until `release()` or until the client goes away.
   * `reset`: after that many events, destroy the connection (a network failure mid-stream).
   */
  | { sse: unknown[]; hold?: number; reset?: number }
  /** No answer, not even its headers, until the client goes away (it aborted): `stalled()` says when one is held. */
  | { stall: true };

export interface Received {
  path: string;
  body: any;
  headers: Record<string, string | string[] | undefined>;
}

export interface AnthropicServer {
  /** Base URL for the SDK (it adds `/v1/messages`). */
  url: string;
  requests: Received[];
  /** Answers for the next requests, in order. */
  script(...answers: Script[]): void;
  /** Lets held streams go on. */
  release(): void;
  /** Resolves when a streamed answer's client went away (it stopped reading or aborted). */
  disconnected(): Promise<void>;
  /** Resolves when a `stall` answer holds a request (the next one, or one already held). */
  stalled(): Promise<void>;
  close(): Promise<void>;
}

export const MODEL = 'claude-test';
export const SNAPSHOT = 'claude-test-2026-05-01';
export const USAGE = { input_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 7, service_tier: 'standard' };

export async function startAnthropicServer(): Promise<AnthropicServer> {
  const queue: Script[] = [];
  const requests: Received[] = [];
  let releases: (() => void)[] = [];
  let gone: (() => void)[] = [];
  let goneCount = 0;
  let seenGone = 0;
  const stalls: (() => void)[] = [];
  let stalledCount = 0;
  let seenStalled = 0;
  const server = createServer(async (req, res) => {
    const body = JSON.parse((await text(req)) || '{}');
    const path = (req.url ?? '').replace(/\?.*$/, '');
    requests.push({ path, body, headers: req.headers });
    const answer = queue.shift() ?? (path === '/v1/messages' ? defaultAnswer(body) : { status: 404, json: apiError('not_found_error', `Not found: ${path}`) });
    const requestId = `req_${requests.length}`;
    if ('stall' in answer) {
      res.on('close', () => ((goneCount += 1), gone.splice(0).forEach((g) => g())));
      stalledCount += 1;
      return void stalls.splice(0).forEach((s) => s());
    }
    if ('json' in answer) {
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', 'request-id': requestId });
      return res.end(JSON.stringify(answer.json));
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': requestId });
    res.flushHeaders(); // the SDK hands the stream over on the headers, before any event
    let closed = false;
    res.on('close', () => {
      closed = true;
      goneCount += 1;
      for (const g of gone.splice(0)) g();
    });
    // Each event on the wire before the next step, so that a reset after it cannot swallow it.
    const send = (data: any) => new Promise((sent) => res.write(`event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`, sent));
    for (const [i, event] of answer.sse.entries()) {
      if (answer.reset === i) return void req.socket.destroy();
      if (answer.hold === i) await new Promise<void>((go) => releases.push(go));
      if (closed) return;
      await send(event);
    }
    if (answer.reset === answer.sse.length) return void req.socket.destroy();
    if (answer.hold === answer.sse.length) await new Promise<void>((go) => releases.push(go));
    res.end();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    script: (...answers) => void queue.push(...answers),
    release: () => releases.splice(0).forEach((go) => go()),
    disconnected: () =>
      new Promise<void>((ok) => {
        if (goneCount > seenGone) return ok(void (seenGone = goneCount));
        gone.push(() => ok(void (seenGone = goneCount)));
      }),
    stalled: () =>
      new Promise<void>((ok) => {
        if (stalledCount > seenStalled) return ok(void (seenStalled += 1));
        stalls.push(() => ok(void (seenStalled += 1)));
      }),
    close: () =>
      new Promise<void>((ok) => {
        releases.splice(0).forEach((go) => go());
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

function text(req: IncomingMessage): Promise<string> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => ok(Buffer.concat(chunks).toString('utf8')));
    req.on('error', fail);
  });
}

/** The last user message's text. */
function lastUserText(body: any): string {
  const last = [...(body.messages ?? [])].reverse().find((m: any) => m.role === 'user');
  const content = last?.content;
  return typeof content === 'string' ? content : (content ?? []).map((p: any) => (p.type === 'text' ? p.text : '')).join('');
}

function defaultAnswer(body: any): Script {
  const answer = `You asked ${lastUserText(body).length} characters.`;
  return body.stream ? { sse: messageStream(answer.split(/(?<= )/)) } : { json: message(answer) };
}

/** The API's error body: what the SDK makes its APIError of (`error.type` is the error's `type`). */
export function apiError(type: string, message: string) {
  return { type: 'error', error: { type, message }, request_id: 'req_error' };
}

type Extra = { stop?: string | null; tools?: string[]; server_tools?: string[]; id?: string; usage?: Record<string, unknown> };

/** A message as POST /v1/messages answers it. */
export function message(text: string, extra: Extra = {}) {
  const content: unknown[] = [];
  if (text) content.push({ type: 'text', text, citations: null });
  for (const [i, name] of (extra.server_tools ?? []).entries()) content.push({ type: 'server_tool_use', id: `srvtoolu_${i}`, name, input: { query: 'parcel' } });
  for (const [i, name] of (extra.tools ?? []).entries()) content.push({ type: 'tool_use', id: `toolu_${i}`, name, input: { city: 'Paris' } });
  return {
    id: extra.id ?? 'msg_1',
    type: 'message',
    role: 'assistant',
    model: SNAPSHOT,
    content,
    stop_reason: extra.stop !== undefined ? extra.stop : extra.tools?.length ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: extra.usage ?? USAGE,
  };
}

/**
 * A message's events in the order the API sends them: message_start (the message without content, its input
 * tokens and a first output token), a ping, each text block (start, one text_delta per piece, stop), each tool
 * use (start with its name and empty input, input_json_delta in two pieces, stop), message_delta (stop_reason,
 * the output tokens so far) and message_stop.
 */
export function messageStream(pieces: string[], extra: Extra = {}): unknown[] {
  const full = message(pieces.join(''), extra);
  const events: unknown[] = [
    { type: 'message_start', message: { ...full, content: [], stop_reason: null, stop_sequence: null, usage: { ...full.usage, output_tokens: 1 } } },
    { type: 'ping' },
  ];
  let index = 0;
  if (pieces.length) {
    events.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '', citations: null } });
    for (const text of pieces) events.push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } });
    events.push({ type: 'content_block_stop', index });
    index += 1;
  }
  for (const [i, name] of (extra.tools ?? []).entries()) {
    events.push({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: `toolu_${i}`, name, input: {} } });
    events.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: '{"city": ' } });
    events.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: '"Paris"}' } });
    events.push({ type: 'content_block_stop', index });
    index += 1;
  }
  events.push({ type: 'message_delta', delta: { stop_reason: full.stop_reason, stop_sequence: null }, usage: { output_tokens: full.usage.output_tokens } });
  events.push({ type: 'message_stop' });
  return events;
}
