/**
 * A small Mistral API on 127.0.0.1 for the tests: POST /v1/chat/completions, /v1/agents/completions and
 * /v1/fim/completions (a whole answer as JSON, or with `stream: true` its chunks as server-sent events, `data:` lines
 * of JSON ending with `data: [DONE]`, as the API streams them and as the Mistral SDK reads them), /v1/embeddings, and
 * API errors in the API's own body (`{ object: 'error', message, type, code }`). Wire names are the API's
 * (snake_case): the SDK makes them camelCase. It stands in for the model provider, which cannot run here. Each
 * request takes the next scripted answer, or the default one (a short answer about the last message's text).
 */
import { startScriptedServer, type Answer, type ScriptedServer } from './scripted-server.js';

export type { Received } from './scripted-server.js';

/** A JSON answer, server-sent events (each a chunk of the answer, or `'[DONE]'`), or a stall: see Answer. */
export type Script = Answer<unknown>;

export type MistralServer = ScriptedServer<Script>;

export const MODEL = 'mistral-test';
/** The `model` the API answers with (the dated model behind an alias). */
export const MODEL_VERSION = 'mistral-test-2511';
export const EMBEDDING_MODEL = 'mistral-embed';
export const AGENT_ID = 'ag:test:parcel-agent:1';
export const USAGE = { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 };

export async function startMistralServer(): Promise<MistralServer> {
  return startScriptedServer<unknown, Script>({
    requestIdHeader: 'x-request-id',
    answer: ({ path, body }, _url, next) => next() ?? defaultAnswer(path, body),
    // `[DONE]` as the API ends a stream: not JSON.
    frame: (data) => `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`,
  });
}

function defaultAnswer(path: string, body: any): Script {
  if (path === '/v1/embeddings') return { json: embeddings([body.input].flat().length, 4) };
  if (!/^\/v1\/(chat|agents|fim)\/completions$/.test(path)) return { status: 404, json: apiError(`Not found: ${path}`, 'not_found') };
  const asked = path === '/v1/fim/completions' ? String(body.prompt ?? '') : lastText(body);
  const answer = `You asked ${asked.length} characters.`;
  return body.stream ? { sse: chunks(answer.split(/(?<= )/)) } : { json: completion(answer) };
}

/** The last message's text, its content a string or a list of chunks. */
function lastText(body: any): string {
  const content = (body.messages ?? []).at(-1)?.content;
  return typeof content === 'string' ? content : (content ?? []).map((c: any) => c.text ?? '').join('');
}

/** The API's error body (what the SDK's SDKError carries as its `body`, and in its message). */
export function apiError(message: string, type: string, code: string | null = null) {
  return { object: 'error', message, type, param: null, code };
}

/** `content`: a string, or a list of chunks (`text`, `thinking`…) as reasoning models answer. */
type Extra = { finish?: string | null; calls?: string[]; id?: string; usage?: Record<string, unknown>; content?: unknown; model?: string };

const toolCall = (name: string, index: number) => ({ id: `call_${index}`, type: 'function', function: { name, arguments: '{"city":"Paris"}' }, index });

/** A whole answer, as /v1/chat/completions gives it: one choice, its message's content and tool calls. */
export function completion(text: string, extra: Extra = {}) {
  return {
    id: extra.id ?? 'cmpl-1',
    object: 'chat.completion',
    model: extra.model ?? MODEL_VERSION,
    created: 1765000000,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: extra.content ?? text, tool_calls: extra.calls?.length ? extra.calls.map(toolCall) : null, prefix: false },
        finish_reason: extra.finish === undefined ? (extra.calls?.length ? 'tool_calls' : 'stop') : extra.finish,
      },
    ],
    usage: extra.usage ?? USAGE,
  };
}

/**
 * A streamed answer's chunks: the role first (with empty content), each piece of text in a chunk of its own, tool
 * calls in a chunk after the text, the last chunk with the finish reason and the usage (none when `finish: null`: a
 * stream cut short), then `[DONE]` (not when `finish: null`).
 */
export function chunks(pieces: unknown[], extra: Extra = {}): unknown[] {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
    id: extra.id ?? 'cmpl-1',
    object: 'chat.completion.chunk',
    created: 1765000000,
    model: extra.model ?? MODEL_VERSION,
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  const out: any[] = [chunk({ role: 'assistant', content: '' })];
  for (const content of pieces) out.push(chunk({ content }));
  if (extra.calls?.length) out.push(chunk({ tool_calls: extra.calls.map(toolCall) }));
  if (extra.finish === null) return out;
  out.push({ ...chunk({ content: '' }, extra.finish ?? (extra.calls?.length ? 'tool_calls' : 'stop')), usage: extra.usage ?? USAGE });
  out.push('[DONE]');
  return out;
}

/** An embeddings answer: `count` vectors of `dimensions` numbers. */
export function embeddings(count: number, dimensions: number) {
  return {
    id: 'emb-1',
    object: 'list',
    model: EMBEDDING_MODEL,
    data: Array.from({ length: count }, (_, i) => ({ object: 'embedding', index: i, embedding: Array.from({ length: dimensions }, (_, j) => (i + 1) / (j + 2)) })),
    usage: { prompt_tokens: 9, completion_tokens: 0, total_tokens: 9 },
  };
}
