/**
 * A small OpenAI-compatible server on 127.0.0.1 for the tests: POST
 * /v1/chat/completions, /v1/completions, /v1/embeddings, /v1/moderations, /v1/audio/transcriptions and
 * /translations (multipart uploads), /v1/audio/speech (audio bytes), /v1/images/generations, /edits and /variations (the last two multipart) and
 * /v1/responses (and /v1/responses/compact), answering JSON, text or streaming
 * server-sent events as the real API does. It stands in for the model
 * provider, which cannot run here. Each request takes the next scripted
 * answer, or the default one (a short answer about the last user message,
 * streamed when the request asks for a stream).
 *
 * Background responses (`background: true`, unless an answer is scripted) are
 * kept as the API keeps them: the POST answers at once with the response queued;
 * GET /v1/responses/{id} answers it in progress until the test calls `finish(id)`,
 * then final; with `?stream=true`, its events from the start, live: while it is in
 * progress, its first events (created, in_progress), then the rest once `finish(id)`
 * is called. POST /v1/responses/{id}/cancel cancels it. Another id takes the next
 * scripted answer, or a 404.
 */
import { startScriptedServer, type EventStream, type Received, type ScriptedServer } from './scripted-server.js';

export type { Received } from './scripted-server.js';

export type Script =
  /** A JSON answer (status 200 unless given), `delay` milliseconds after the request. */
  | { json: unknown; status?: number; delay?: number }
  /**
   * Server-sent events: `data` lines (objects are JSON-encoded; chat streams end with `[DONE]` unless `done: false`).
   * `hold`: after that many events, wait until `release()` or until the client goes away.
   * `reset`: after that many events, destroy the connection (a network failure mid-stream).
   * `rest`: then the events it resolves to, unless the client went away first (a background response streamed live).
   */
  | { sse: SseEvent[]; done?: boolean; hold?: number; reset?: number; rest?: () => Promise<SseEvent[]> }
  /** Plain text: a transcription asked as `text`, `srt` or `vtt`. */
  | { text: string }
  /** Bytes: speech, with a Content-Length or `chunked` (none). */
  | { bytes: Uint8Array; chunked?: boolean }
  /** No answer, not even its headers, until the client goes away (it aborted): `stalled()` says when one is held. */
  | { stall: true };

type SseEvent = { event?: string; data: unknown };

/** A background response: its final state (the default answer until `finish(id)` says another), whether it is final yet, and when it became so. */
interface Kept {
  final: ReturnType<typeof response>;
  done: boolean;
  finished: Promise<void>;
  settle: () => void;
}

export interface OpenAIServer extends Omit<ScriptedServer<Script>, 'origin'> {
  /** Base URL for the SDKs: `http://127.0.0.1:PORT/v1`. */
  url: string;
  /** Ends the background response `id`: its retrieves answer `final` from now on (by default, completed with its answer). */
  finish(id: string, final?: ReturnType<typeof response>): void;
}

/** OpenAI's own API: the SDK's default `baseURL`. */
export const OPENAI_API = 'https://api.openai.com/v1';

/**
 * Options for a client of OpenAI's own API (the SDK's default `baseURL`: its events carry no `base_url`) whose
 * requests this server answers: its `fetch` (the given one, or the global) is sent here instead. A request for any
 * other URL fails, so that nothing leaves 127.0.0.1.
 */
export function ownApiOptions(api: OpenAIServer, fetch: typeof globalThis.fetch = globalThis.fetch) {
  return { apiKey: 'sk-test', maxRetries: 0, fetch: redirected(OPENAI_API, api.url, fetch) };
}

/**
 * A `fetch` that sends the URLs under `from` (a provider's API) to `to` (this server), so that a client keeps its
 * own base URL; any other URL fails, so that nothing leaves 127.0.0.1.
 */
export function redirected(from: string, to: string, fetch: typeof globalThis.fetch = globalThis.fetch): typeof globalThis.fetch {
  return ((url: RequestInfo | URL, init?: RequestInit) => {
    const asked = String(url);
    if (!asked.startsWith(`${from}/`)) throw new Error(`not a URL of ${from}: ${asked}`);
    return fetch(to + asked.slice(from.length), init);
  }) as typeof globalThis.fetch;
}

export const MODEL = 'gpt-test';
export const SNAPSHOT = 'gpt-test-2026-05-01';
export const EMBEDDING_MODEL = 'embed-test';
/** The model an embeddings answer names when EMBEDDING_MODEL was asked (as the API once answered `text-embedding-ada-002-v2`). */
export const EMBEDDING_SNAPSHOT = 'embed-test-v2';
/** The model a moderations answer names (the API's default when none is asked). */
export const MODERATION_MODEL = 'omni-moderation-test-2026';

export async function startOpenAIServer(): Promise<OpenAIServer> {
  /** Background responses by id. */
  const kept = new Map<string, Kept>();
  const scripted = await startScriptedServer<SseEvent, Script>({
    requestIdHeader: 'x-request-id',
    async answer(request, url, next) {
      const answer = route(kept, request, url, next);
      if ('json' in answer && answer.delay) await new Promise((later) => setTimeout(later, answer.delay));
      return answer;
    },
    frame: (event) => `${event.event ? `event: ${event.event}\n` : ''}data: ${typeof event.data === 'string' ? event.data : JSON.stringify(event.data)}\n\n`,
    after: endStream,
  });
  return {
    ...scripted,
    url: `${scripted.origin}/v1`,
    finish: (id, final) => {
      const entry = kept.get(id)!;
      entry.done = true;
      if (final) entry.final = { ...final, id, background: true } as typeof entry.final;
      entry.settle();
    },
  };
}

/** Which answer a request takes: a background response's, else the next scripted one, else the route's default. */
function route(kept: Map<string, Kept>, { path, body }: Received, url: URL, next: () => Script | undefined): Script {
  const stored = path === '/v1/responses/compact' ? null : /^\/v1\/responses\/([^/]+)(\/cancel)?$/.exec(path);
  const id = stored ? decodeURIComponent(stored[1]!) : undefined;
  if (id && kept.has(id)) return backgroundAnswer(kept.get(id)!, stored![2] ? 'cancel' : url.searchParams.get('stream') === 'true' ? 'stream' : 'get');
  return (
    next() ??
    (id
      ? { status: 404, json: { error: { message: `No response found with id '${id}'.`, type: 'invalid_request_error', param: null, code: null } } }
      : path === '/v1/responses' && body.background === true
        ? queued(kept, body)
        : path === '/v1/responses/compact'
          ? { json: compaction(body) }
          : defaultAnswer(path, body))
  );
}

/** After the scripted events: a live background response's `rest`, then `[DONE]` where completions streams end with it. */
async function endStream(answer: Extract<Script, { sse: unknown }>, { path }: Received, stream: EventStream<SseEvent>) {
  if (answer.rest) {
    const rest = await Promise.race([answer.rest(), stream.gone.then(() => [])]);
    for (const event of rest) if (!stream.closed) await stream.send(event);
  }
  if (!stream.closed && path.endsWith('completions') && answer.done !== false) await stream.send({ data: '[DONE]' });
}

/** The last user message's text, in either API's shape. */
function lastUserText(body: any): string {
  if (body.prompt !== undefined) return [body.prompt].flat().join('');
  const items = body.messages ?? (typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : body.input ?? []);
  const last = [...items].reverse().find((m: any) => m.role === 'user');
  const content = last?.content;
  return typeof content === 'string' ? content : (content ?? []).map((p: any) => p.text ?? '').join('');
}

/** A background response, answered queued: what the API answers to `background: true` (streamed: its events). */
function queued(kept: Map<string, Kept>, body: any): Script {
  const id = `resp_bg_${kept.size + 1}`;
  const final = { ...response(`You asked ${lastUserText(body).length} characters.`), id, background: true };
  let settle = () => {};
  const finished = new Promise<void>((done) => (settle = done));
  // Streamed (`stream: true` too): its events at once, to its end, as the API streams a background response.
  const entry: Kept = { final, done: body.stream === true, finished, settle };
  kept.set(id, entry);
  return entry.done ? backgroundAnswer(entry, 'stream') : { json: { ...final, status: 'queued', output: [], usage: null } };
}

/** GET /v1/responses/{id} (JSON or events) and POST /v1/responses/{id}/cancel of a background response. */
function backgroundAnswer(entry: Kept, how: 'get' | 'stream' | 'cancel'): Script {
  if (how === 'cancel' && !entry.done) {
    Object.assign(entry, { done: true, final: { ...entry.final, status: 'cancelled', output: [], usage: null } });
    entry.settle();
  }
  if (how !== 'stream') return { json: entry.done ? entry.final : { ...entry.final, status: 'in_progress', output: [], usage: null } };
  // In progress: its first events now (they carry the response in progress, whatever its end), the others once it is final.
  if (!entry.done) return { sse: backgroundEvents(entry).slice(0, 2), rest: () => entry.finished.then(() => backgroundEvents(entry).slice(2)) };
  return { sse: backgroundEvents(entry) };
}

/** A final background response's events from the start, each carrying the response as the API does (its id, background: true). */
function backgroundEvents(entry: Kept): SseEvent[] {
  const id = entry.final.id;
  const text = entry.final.output.flatMap((o: any) => (o.type === 'message' ? o.content.map((c: any) => c.text ?? '') : [])).join('');
  const tools = entry.final.output.flatMap((o: any) => (o.type === 'function_call' ? [o.name] : []));
  const images = entry.final.output.filter((o: any) => o.type === 'image_generation_call' && o.result).length;
  return responseStream(text ? [text] : [], { status: entry.final.status, tools, images, error: entry.final.error ?? undefined, reason: entry.final.incomplete_details?.reason }).map(({ event, data }: any) => ({
    event,
    data: { ...data, ...(data.response && { response: { ...data.response, id, background: true } }) },
  }));
}

function defaultAnswer(path: string, body: any): Script {
  if (path === '/v1/embeddings') return { json: embeddingList(body) };
  if (path === '/v1/moderations') return { json: moderation(body) };
  if (path === '/v1/audio/transcriptions' || path === '/v1/audio/translations') return transcription(body);
  if (path.startsWith('/v1/images/')) return images(path, body);
  if (path === '/v1/audio/speech') return { bytes: SPEECH };
  const answer = `You asked ${lastUserText(body).length} characters.`;
  const words = answer.split(/(?<= )/);
  if (path.endsWith('/chat/completions')) return body.stream ? { sse: chatStream(words, { usage: true }) } : { json: chatCompletion(answer) };
  if (path === '/v1/completions') return body.stream ? { sse: textStream(words, { usage: body.stream_options?.include_usage === true }) } : { json: textCompletion(answer) };
  return body.stream ? { sse: responseStream(words) } : { json: response(answer) };
}

export function chatCompletion(content: string | null, extra: { finish?: string; tools?: string[]; id?: string } = {}) {
  return {
    id: extra.id ?? 'chatcmpl-1',
    object: 'chat.completion',
    created: 1_780_000_000,
    model: SNAPSHOT,
    system_fingerprint: 'fp_test',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content,
          refusal: null,
          ...(extra.tools && { tool_calls: extra.tools.map((name, i) => ({ id: `call_${i}`, type: 'function', function: { name, arguments: '{"city":"Paris"}' } })) }),
        },
        logprobs: null,
        finish_reason: extra.finish ?? (extra.tools ? 'tool_calls' : 'stop'),
      },
    ],
    usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 },
  };
}

/** Chat completion chunks: a role chunk, one per piece of text (or tool call), the finish, and the usage chunk when asked. */
export function chatStream(pieces: string[], options: { usage?: boolean; finish?: string; tools?: string[] } = {}): { data: unknown }[] {
  const chunk = (delta: unknown, finish: string | null = null) => ({
    data: { id: 'chatcmpl-s1', object: 'chat.completion.chunk', created: 1_780_000_000, model: SNAPSHOT, system_fingerprint: 'fp_test', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] },
  });
  const events: { data: unknown }[] = [chunk({ role: 'assistant', content: '' })];
  for (const p of pieces) events.push(chunk({ content: p }));
  for (const [i, name] of (options.tools ?? []).entries()) {
    events.push(chunk({ tool_calls: [{ index: i, id: `call_${i}`, type: 'function', function: { name, arguments: '' } }] }));
    events.push(chunk({ tool_calls: [{ index: i, function: { arguments: '{"city":"Paris"}' } }] }));
  }
  events.push(chunk({}, options.finish ?? (options.tools?.length ? 'tool_calls' : 'stop')));
  if (options.usage) {
    events.push({ data: { id: 'chatcmpl-s1', object: 'chat.completion.chunk', created: 1_780_000_000, model: SNAPSHOT, system_fingerprint: 'fp_test', choices: [], usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 } } });
  }
  return events;
}

/**
 * A Responses answer: `images` image_generation_call items first (the image generation tool's, each `result` the
 * base64 of `imageBytes(i)`; `failedImages` more, whose generation failed: no result), then the text's message,
 * then the function calls.
 */
export function response(text: string, extra: { status?: string; reason?: string; tools?: string[]; error?: { code: string; message: string }; images?: number; failedImages?: number } = {}) {
  const output: unknown[] = [];
  for (let i = 0; i < (extra.images ?? 0); i++) output.push(imageGenerationCall(i));
  for (let i = 0; i < (extra.failedImages ?? 0); i++) output.push({ ...imageGenerationCall(i), id: `ig_failed_${i}`, status: 'failed', result: null });
  if (text) output.push({ id: 'msg_1', type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text, annotations: [] }] });
  for (const [i, name] of (extra.tools ?? []).entries()) output.push({ id: `fc_${i}`, type: 'function_call', call_id: `call_${i}`, name, arguments: '{"city":"Paris"}', status: 'completed' });
  return {
    id: 'resp_1',
    object: 'response',
    created_at: 1_780_000_000,
    status: extra.status ?? 'completed',
    model: SNAPSHOT,
    output,
    incomplete_details: extra.reason ? { reason: extra.reason } : null,
    error: extra.error ?? null,
    usage: { input_tokens: 9, output_tokens: 5, total_tokens: 14, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } },
  };
}

/** The `index`-th image_generation_call item of a Responses answer: the image generation tool's final image. */
export const imageGenerationCall = (index: number) => ({
  id: `ig_${index}`,
  type: 'image_generation_call',
  status: 'completed',
  result: Buffer.from(imageBytes(index)).toString('base64'),
  revised_prompt: 'A parcel left at the door, in watercolour.',
  background: 'opaque',
  output_format: 'png',
  quality: 'low',
  size: '1024x1024',
});

/** A legacy text completion (POST /v1/completions): `choices[].text`, no message. */
export function textCompletion(text: string, extra: { finish?: string } = {}) {
  return {
    id: 'cmpl-1',
    object: 'text_completion',
    created: 1_780_000_000,
    model: SNAPSHOT,
    system_fingerprint: 'fp_test',
    choices: [{ index: 0, text, logprobs: null, finish_reason: extra.finish ?? 'stop' }],
    usage: { prompt_tokens: 6, completion_tokens: 7, total_tokens: 13 },
  };
}

/** Its stream: one chunk per piece of text, the finish chunk, and the usage chunk when asked (then `[DONE]`). */
export function textStream(pieces: string[], options: { usage?: boolean; finish?: string } = {}): { data: unknown }[] {
  const chunk = (text: string, finish: string | null = null) => ({
    data: { id: 'cmpl-s1', object: 'text_completion', created: 1_780_000_000, model: SNAPSHOT, system_fingerprint: 'fp_test', choices: [{ index: 0, text, logprobs: null, finish_reason: finish }] },
  });
  const events: { data: unknown }[] = pieces.map((p) => chunk(p));
  events.push(chunk('', options.finish ?? 'stop'));
  if (options.usage) {
    events.push({ data: { id: 'cmpl-s1', object: 'text_completion', created: 1_780_000_000, model: SNAPSHOT, choices: [], usage: { prompt_tokens: 6, completion_tokens: 7, total_tokens: 13 } } });
  }
  return events;
}

/**
 * POST /v1/moderations's answer: one result per input (a string, a list of strings, or a list of text and image
 * parts), flagged for violence and harassment/threatening when its text says "hurt", as MODERATION_MODEL.
 */
export function moderation(body: { input?: unknown }) {
  const inputs = Array.isArray(body.input) && body.input.some((i) => typeof i !== 'string') ? [body.input] : [body.input].flat();
  return {
    id: 'modr-1',
    model: MODERATION_MODEL,
    results: inputs.map((input) => {
      const text = typeof input === 'string' ? input : JSON.stringify(input);
      const hurt = /hurt/i.test(text);
      const categories = { harassment: false, 'harassment/threatening': hurt, hate: false, 'self-harm': false, violence: hurt };
      return {
        flagged: hurt,
        categories,
        category_scores: Object.fromEntries(Object.entries(categories).map(([name, on]) => [name, on ? 0.91 : 0.01])),
        category_applied_input_types: Object.fromEntries(Object.keys(categories).map((name) => [name, ['text']])),
      };
    }),
  };
}

/** What the fake hears in every audio file: its transcription (and its English translation). */
export const TRANSCRIPT = 'Where is my parcel?';

/**
 * POST /v1/audio/transcriptions and /translations: the TRANSCRIPT, as JSON with token usage (the default and
 * `json`), as verbose JSON with its duration, or as plain text (`text`, `srt`, `vtt`); streamed as the API streams
 * a transcription (`stream=true`: `transcript.text.delta` events, then `transcript.text.done` with the usage).
 */
export function transcription(body: { response_format?: string; stream?: string }): Script {
  const usage = { type: 'tokens', input_tokens: 20, output_tokens: 6, total_tokens: 26, input_token_details: { audio_tokens: 20, text_tokens: 0 } };
  if (body.stream === 'true') {
    const words = TRANSCRIPT.split(/(?<= )/);
    return { sse: [...words.map((delta) => ({ data: { type: 'transcript.text.delta', delta, logprobs: [] } })), { data: { type: 'transcript.text.done', text: TRANSCRIPT, usage } }] };
  }
  const format = body.response_format ?? 'json';
  if (format === 'json') return { json: { text: TRANSCRIPT, usage } };
  if (format === 'verbose_json') return { json: { task: 'transcribe', language: 'english', duration: 2.5, text: TRANSCRIPT, segments: [], usage: { type: 'duration', seconds: 3 } } };
  return { text: format === 'text' ? `${TRANSCRIPT}\n` : `1\n00:00:00,000 --> 00:00:02,500\n${TRANSCRIPT}\n` };
}

/**
 * POST /v1/responses/compact's answer: the conversation compacted to its user messages and one opaque compaction
 * item (no assistant text: nothing of it is output to digest), and the tokens the model used to compact it.
 */
export function compaction(body: { input?: unknown }) {
  const users = Array.isArray(body.input) ? body.input.filter((m: any) => m?.role === 'user') : [{ role: 'user', content: String(body.input ?? '') }];
  return {
    id: 'resp_cmp_1',
    object: 'response.compaction',
    created_at: 1_780_000_000,
    output: [
      ...users.map((m: any, i: number) => ({ id: `msg_u${i}`, type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_text', text: typeof m.content === 'string' ? m.content : '' }] })),
      { id: 'cmp_1', type: 'compaction', encrypted_content: 'gAAAAAB-opaque-summary' },
    ],
    usage: { input_tokens: 40, output_tokens: 12, total_tokens: 52, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } },
  };
}

/**
 * Responses API events, in the order the real API sends them: created, in_progress, image generation items
 * (`extra.images`), the message item (added, content part, one delta per piece, text done, part done, item done),
 * function-call items, then
 * the terminal event (completed, or incomplete/failed as `extra.status` says).
 */
export function responseStream(pieces: string[], extra: Parameters<typeof response>[1] = {}): { event: string; data: unknown }[] {
  const full = response(pieces.join(''), extra);
  const text = pieces.join('');
  const events: { event: string; data: any }[] = [];
  const push = (type: string, data: Record<string, unknown>) => events.push({ event: type, data: { type, sequence_number: events.length, ...data } });
  const pending = { ...full, status: 'in_progress', output: [], usage: null, incomplete_details: null, error: null };
  push('response.created', { response: pending });
  push('response.in_progress', { response: pending });
  let index = 0;
  // The image generation tool's items: in progress, generating, one partial image (a preview, not the answer's), done.
  for (let i = 0; i < (extra.images ?? 0); i++) {
    const done = full.output[index] as Record<string, unknown>;
    const id = done.id;
    push('response.output_item.added', { output_index: index, item: { ...done, status: 'in_progress', result: null } });
    push('response.image_generation_call.in_progress', { item_id: id, output_index: index });
    push('response.image_generation_call.generating', { item_id: id, output_index: index });
    push('response.image_generation_call.partial_image', { item_id: id, output_index: index, partial_image_index: 0, partial_image_b64: Buffer.from([1, 2, 3, i]).toString('base64') });
    push('response.image_generation_call.completed', { item_id: id, output_index: index });
    push('response.output_item.done', { output_index: index, item: done });
    index += 1;
  }
  if (pieces.length) {
    const item = { id: 'msg_1', type: 'message', role: 'assistant', status: 'in_progress', content: [] };
    push('response.output_item.added', { output_index: index, item });
    push('response.content_part.added', { item_id: 'msg_1', output_index: index, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
    for (const delta of pieces) push('response.output_text.delta', { item_id: 'msg_1', output_index: index, content_index: 0, delta, logprobs: [] });
    push('response.output_text.done', { item_id: 'msg_1', output_index: index, content_index: 0, text, logprobs: [] });
    push('response.content_part.done', { item_id: 'msg_1', output_index: index, content_index: 0, part: { type: 'output_text', text, annotations: [] } });
    push('response.output_item.done', { output_index: index, item: full.output[index] });
    index += 1;
  }
  for (const [i, name] of (extra.tools ?? []).entries()) {
    const done = full.output[index] as Record<string, unknown>;
    push('response.output_item.added', { output_index: index, item: { ...done, status: 'in_progress', arguments: '' } });
    push('response.function_call_arguments.delta', { item_id: `fc_${i}`, output_index: index, delta: '{"city":"Paris"}' });
    push('response.function_call_arguments.done', { item_id: `fc_${i}`, output_index: index, name, arguments: '{"city":"Paris"}' });
    push('response.output_item.done', { output_index: index, item: done });
    index += 1;
  }
  const terminal = extra.status === 'incomplete' ? 'response.incomplete' : extra.status === 'failed' ? 'response.failed' : 'response.completed';
  push(terminal, { response: full });
  return events;
}

/**
 * POST /v1/embeddings's answer: one vector per input (a string, a list of strings, a token array or a list of them),
 * `dimensions` long (8 unless asked), of floats exact in float32 (so that a test can compare them), as numbers or,
 * for `encoding_format: 'base64'` (what the SDK asks by default, decoding the answer itself), as the base64 of their
 * little-endian float32 bytes. `usage` counts a string's words and a token array's tokens.
 */
export function embeddingList(body: { model?: string; input?: unknown; dimensions?: number; encoding_format?: string }) {
  const input = body.input;
  const inputs: unknown[] = typeof input === 'string' || (Array.isArray(input) && input.every((t) => typeof t === 'number')) ? [input] : ((input as unknown[]) ?? []);
  const tokens = inputs.reduce((n: number, i) => n + (typeof i === 'string' ? i.split(/\s+/).filter(Boolean).length : (i as unknown[]).length), 0);
  return {
    object: 'list',
    data: inputs.map((_, index) => {
      const vector = embeddingVector(index, body.dimensions ?? 8);
      return { object: 'embedding', index, embedding: body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector };
    }),
    model: body.model === EMBEDDING_MODEL ? EMBEDDING_SNAPSHOT : body.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

/** The `index`-th input's vector: eighths, exact in float32. */
export const embeddingVector = (index: number, dimensions: number): number[] => Array.from({ length: dimensions }, (_, j) => ((index + 1) * (j % 3 === 0 ? -1 : 1) * (j + 1)) / 8);

/** The image model the fake answers as GPT Image when a call names none (the API's default); `dall-e-2` answers URLs. */
export const IMAGE_MODEL = 'gpt-image-1';

/** The bytes of the fake's `index`-th image of an answer: a PNG signature and a few bytes that differ per image. */
export const imageBytes = (index: number): Uint8Array => new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...Array.from({ length: 40 }, (_, i) => (i * 31 + index * 7) & 0xff)]);

/** The URL of the fake's `index`-th image, as DALL·E answers with `response_format: 'url'`. */
export const imageUrl = (index: number): string => `https://images.example.com/img-${index}.png`;

/** The token usage of a GPT Image answer (DALL·E's have none). */
export const IMAGE_USAGE = { input_tokens: 50, output_tokens: 272, total_tokens: 322, input_tokens_details: { image_tokens: 0, text_tokens: 50 } };

/**
 * POST /v1/images/generations, /edits and /variations: `n` images (1 unless asked; a multipart form's fields are
 * text), as base64 (`b64_json`, what GPT Image models always answer) or as URLs (`response_format: 'url'`, DALL·E's
 * default), with the usage of a GPT Image model (not for URLs: DALL·E reports none). The answer names no model, as
 * the API's does not. Streamed (`stream: true`, GPT Image): one partial image, then the `…completed` event with the
 * final image and the usage (`image_generation.*` for generations, `image_edit.*` for edits).
 */
export function images(path: string, body: { n?: number | string; response_format?: string; stream?: boolean | string }): Script {
  const n = Number(body.n ?? 1);
  const b64 = (index: number) => Buffer.from(imageBytes(index)).toString('base64');
  if (body.stream === true || body.stream === 'true') {
    const kind = path.endsWith('/edits') ? 'image_edit' : 'image_generation';
    const common = { background: 'opaque', created_at: 1_780_000_000, output_format: 'png', quality: 'low', size: '1024x1024' };
    return {
      sse: [
        { event: `${kind}.partial_image`, data: { type: `${kind}.partial_image`, ...common, b64_json: Buffer.from([1, 2, 3]).toString('base64'), partial_image_index: 0 } },
        { event: `${kind}.completed`, data: { type: `${kind}.completed`, ...common, b64_json: b64(0), usage: IMAGE_USAGE } },
      ],
    };
  }
  const urls = body.response_format === 'url';
  return {
    json: {
      created: 1_780_000_000,
      data: Array.from({ length: n }, (_, i) => (urls ? { url: imageUrl(i) } : { b64_json: b64(i) })),
      ...(!urls && { background: 'opaque', output_format: 'png', quality: 'low', size: '1024x1024', usage: IMAGE_USAGE }),
    },
  };
}

/** The audio the fake answers to text to speech (`/v1/audio/speech`): bytes of an MP3 frame header and silence. */
export const SPEECH = new Uint8Array([0xff, 0xfb, 0x90, 0x64, ...new Array(3_000).fill(0)]);
