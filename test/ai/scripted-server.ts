/**
 * The scripting machinery of the fake model providers (anthropic-server.ts, openai-server.ts), which stand in
 * on 127.0.0.1 for providers that cannot run here: the queue of scripted answers, the requests received, and the
 * serving of an answer as JSON, as server-sent events (held, reset mid-stream) or not at all (stalled). Each
 * provider brings its routes (which answer a request takes when none is scripted), how an event is framed on
 * the wire, the header that carries the request id, and what, if anything, follows the scripted events.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The answers every provider scripts; a provider's own answers may carry more (`Event` is one server-sent event). */
export type Answer<Event> =
  /** A JSON answer (status 200 unless given), with more headers if given. */
  | { json: unknown; status?: number; headers?: Record<string, string> }
  /** Plain text (status 200): what OpenAI answers a transcription asked as `text`, `srt` or `vtt`. */
  | { text: string }
  /**
   * Bytes (status 200, `audio/mpeg`): what OpenAI answers text to speech, with a Content-Length, or `chunked` (in
   * two writes, no Content-Length) as a server that streams the audio sends it.
   */
  | { bytes: Uint8Array; chunked?: boolean }
  /**
   * Server-sent events.
   * `hold`: after that many events, wait until `release()` or until the client goes away.
   * `reset`: after that many events, destroy the connection (a network failure mid-stream).
   */
  | { sse: Event[]; hold?: number; reset?: number }
  /** No answer, not even its headers, until the client goes away (it aborted): `stalled()` says when one is held. */
  | { stall: true };

export interface Received {
  method: string;
  /** Without its query. */
  path: string;
  body: any;
  headers: Record<string, string | string[] | undefined>;
}

/** An event stream being served: what a provider's `after` may still send. */
export interface EventStream<Event> {
  /** Writes one event and resolves once it is on the wire. */
  send(event: Event): Promise<unknown>;
  /** Whether the client went away. */
  readonly closed: boolean;
  /** Resolves when the client goes away. */
  gone: Promise<void>;
}

export interface Provider<Event, Script extends Answer<Event>> {
  /** The header that carries `req_N` (N: the request's number, from 1). */
  requestIdHeader: string;
  /**
   * The answer to a request: `next()` takes the next scripted one, if any. May wait before answering (it runs
   * after the request is in `requests`).
   */
  answer(request: Received, url: URL, next: () => Script | undefined): Script | Promise<Script>;
  /** An event as the provider writes it on the wire: text, or bytes (Bedrock's binary event-stream frames). */
  frame(event: Event): string | Uint8Array;
  /** The content type of an event stream: `text/event-stream` unless given. */
  streamType?: string;
  /** What the stream sends after its scripted events (and after a hold at their end), if the client is still there. */
  after?(answer: Extract<Script, { sse: unknown }>, request: Received, stream: EventStream<Event>): Promise<void>;
}

export interface ScriptedServer<Script> {
  /** `http://127.0.0.1:PORT`. */
  origin: string;
  requests: Received[];
  /** Answers for the next requests, in order. */
  script(...answers: Script[]): void;
  /** Lets held streams go on. */
  release(): void;
  /** Resolves when a streamed or stalled answer's client went away (it stopped reading, cancelled or aborted). */
  disconnected(): Promise<void>;
  /** Resolves when a `stall` answer holds a request (the next one, or one already held). */
  stalled(): Promise<void>;
  close(): Promise<void>;
}

export async function startScriptedServer<Event, Script extends Answer<Event>>(provider: Provider<Event, Script>): Promise<ScriptedServer<Script>> {
  const queue: Script[] = [];
  const requests: Received[] = [];
  const releases: (() => void)[] = [];
  const held = () => new Promise<void>((go) => releases.push(go));
  // Each counter counts what happened; each `seen` counts what a waiter was told, so that one waits for the next.
  const gone: (() => void)[] = [];
  let goneCount = 0;
  let seenGone = 0;
  const stalls: (() => void)[] = [];
  let stalledCount = 0;
  let seenStalled = 0;
  const wentAway = () => {
    goneCount += 1;
    for (const g of gone.splice(0)) g();
  };

  const server = createServer(async (req, res) => {
    const body = await bodyOf(req);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const request: Received = { method: req.method ?? 'GET', path: (req.url ?? '').replace(/\?.*$/, ''), body, headers: req.headers };
    requests.push(request);
    const requestId = `req_${requests.length}`;
    const answer = await provider.answer(request, url, () => queue.shift());
    if ('stall' in answer) {
      res.on('close', wentAway);
      stalledCount += 1;
      return void stalls.splice(0).forEach((s) => s());
    }
    if ('json' in answer) {
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', [provider.requestIdHeader]: requestId, ...answer.headers });
      return res.end(JSON.stringify(answer.json));
    }
    if ('text' in answer) {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', [provider.requestIdHeader]: requestId });
      return res.end(answer.text);
    }
    if ('bytes' in answer) {
      const { bytes, chunked } = answer;
      res.writeHead(200, { 'content-type': 'audio/mpeg', [provider.requestIdHeader]: requestId, ...(!chunked && { 'content-length': String(bytes.length) }) });
      if (chunked) res.write(bytes.subarray(0, bytes.length >> 1));
      return res.end(chunked ? bytes.subarray(bytes.length >> 1) : bytes);
    }
    // Neither JSON nor stall: events (the provider's own answer type may add to them).
    const sse = answer as Extract<Answer<Event>, { sse: unknown }>;
    const stream = openStream<Event>(res, { 'content-type': provider.streamType ?? 'text/event-stream', [provider.requestIdHeader]: requestId }, (event) => provider.frame(event), wentAway);
    for (const [i, event] of sse.sse.entries()) {
      if (sse.reset === i) return void req.socket.destroy();
      if (sse.hold === i) await held();
      if (stream.closed) return;
      await stream.send(event);
    }
    if (sse.reset === sse.sse.length) return void req.socket.destroy();
    if (sse.hold === sse.sse.length) await held();
    if (provider.after && !stream.closed) await provider.after(answer as Extract<Script, { sse: unknown }>, request, stream);
    res.end();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
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

/** Sends the headers of an event stream at once and follows whether its client is still there. */
function openStream<Event>(res: ServerResponse, headers: Record<string, string>, frame: (event: Event) => string | Uint8Array, wentAway: () => void): EventStream<Event> {
  res.writeHead(200, { 'cache-control': 'no-cache', ...headers });
  res.flushHeaders(); // the SDK hands the stream over on the headers, before any event
  let closed = false;
  const gone = new Promise<void>((ok) =>
    res.on('close', () => {
      closed = true;
      wentAway();
      ok();
    }),
  );
  return {
    // Each event on the wire before the next step, so that a reset after it cannot swallow it.
    send: (event) => new Promise((sent) => res.write(frame(event), sent)),
    get closed() {
      return closed;
    },
    gone,
  };
}

function bytes(req: IncomingMessage): Promise<Buffer> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => ok(Buffer.concat(chunks)));
    req.on('error', fail);
  });
}

/**
 * A request's JSON body, or its multipart form (the SDKs' file uploads: audio to transcribe) as an object: each
 * field's text, each file as `{ name, type, size }`.
 */
async function bodyOf(req: IncomingMessage): Promise<any> {
  const raw = await bytes(req);
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('multipart/form-data')) return JSON.parse(raw.toString('utf8') || '{}');
  const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': type } }).formData();
  const body: Record<string, unknown> = {};
  for (const [name, value] of form) body[name] = typeof value === 'string' ? value : { name: value.name, type: value.type, size: value.size };
  return body;
}
