/**
 * A small Cohere API (v2) on 127.0.0.1 for the tests: POST /v2/chat (a whole answer as JSON, or with `stream: true`
 * its events as server-sent events, `event: <type>` and `data: <JSON>` lines, ending after `message-end`, as the API
 * streams them), /v2/embed (the vectors by type, for each of `embedding_types`), /v2/rerank, and API errors in the
 * API's own body (`{ id, message }`). Wire names are the API's (snake_case): the SDK makes them camelCase. It stands
 * in for the model provider, which cannot run here. Each request takes the next scripted answer, or the default one
 * (a short answer about the last message's text).
 */
import { startScriptedServer, type Answer, type ScriptedServer } from './scripted-server.js';

/** A JSON answer, server-sent events (each an event of the stream, its `type` its SSE event name), or a stall. */
export type Script = Answer<Record<string, unknown>>;

export type CohereServer = ScriptedServer<Script>;

export const MODEL = 'command-a-test';
export const EMBEDDING_MODEL = 'embed-v4.0';
export const RERANK_MODEL = 'rerank-v3.5';
/** What the model read and wrote (`tokens`) and what was billed (`billed_units`: without the prompt template). */
export const USAGE = { billed_units: { input_tokens: 5, output_tokens: 7 }, tokens: { input_tokens: 71, output_tokens: 7 } };

export async function startCohereServer(): Promise<CohereServer> {
  return startScriptedServer<Record<string, unknown>, Script>({
    requestIdHeader: 'x-trace-id',
    answer: ({ path, body }, _url, next) => next() ?? defaultAnswer(path, body),
    frame: (event) => `event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`,
  });
}

function defaultAnswer(path: string, body: any): Script {
  if (path === '/v2/embed') return { json: embeddings(body.texts?.length ?? body.inputs?.length ?? 1, 16, body.embedding_types ?? ['float']) };
  if (path === '/v2/rerank') return { json: reranked(body.top_n ?? body.documents?.length ?? 0) };
  if (path !== '/v2/chat') return { status: 404, json: apiError(`Not found: ${path}`) };
  const content = (body.messages ?? []).at(-1)?.content;
  const asked = typeof content === 'string' ? content : (content ?? []).map((c: any) => c.text ?? '').join('');
  const answer = `You asked ${asked.length} characters.`;
  return body.stream ? { sse: events(answer.split(/(?<= )/)) } : { json: chatAnswer(answer) };
}

/** The API's error body (what the SDK's error carries as its `body`, and in its message). */
export function apiError(message: string) {
  return { id: 'err-1', message };
}

type Extra = { finish?: string | null; calls?: string[]; id?: string; thinking?: string; usage?: unknown };

const toolCall = (name: string, index: number) => ({ id: `call_${index}`, type: 'function', function: { name, arguments: '{"parcel":"P-1"}' } });

/** A whole answer, as /v2/chat gives it: the message's content parts (a thinking part first if given), its tool calls. */
export function chatAnswer(text: string, extra: Extra = {}) {
  const content = [...(extra.thinking ? [{ type: 'thinking', thinking: extra.thinking }] : []), ...(text ? [{ type: 'text', text }] : [])];
  return {
    id: extra.id ?? 'chat-1',
    finish_reason: extra.finish ?? (extra.calls?.length ? 'TOOL_CALL' : 'COMPLETE'),
    message: {
      role: 'assistant',
      ...(extra.calls?.length ? { tool_plan: 'I will look the parcel up.', tool_calls: extra.calls.map(toolCall) } : { content }),
    },
    usage: extra.usage ?? USAGE,
  };
}

/**
 * A streamed answer's events: `message-start`, a reasoning model's thinking if given (a block of its own), the text in a `content-start` (empty) and one `content-delta` a piece,
 * `content-end`; tool calls as a plan, then `tool-call-start`/`tool-call-delta`/`tool-call-end` each; `message-end`
 * with the finish reason and usage (none when `finish: null`: a stream cut short).
 */
export function events(pieces: string[], extra: Extra = {}): Record<string, unknown>[] {
  const id = extra.id ?? 'chat-1';
  const out: Record<string, unknown>[] = [{ type: 'message-start', id, delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } } }];
  if (extra.thinking) {
    out.push({ type: 'content-start', index: 0, delta: { message: { content: { type: 'thinking', thinking: '' } } } });
    out.push({ type: 'content-delta', index: 0, delta: { message: { content: { thinking: extra.thinking } } } });
    out.push({ type: 'content-end', index: 0 });
  }
  const index = extra.thinking ? 1 : 0;
  if (pieces.length) {
    out.push({ type: 'content-start', index, delta: { message: { content: { type: 'text', text: '' } } } });
    for (const text of pieces) out.push({ type: 'content-delta', index, delta: { message: { content: { text } } } });
    out.push({ type: 'content-end', index });
  }
  if (extra.calls?.length) {
    out.push({ type: 'tool-plan-delta', delta: { message: { tool_plan: 'I will look the parcel up.' } } });
    extra.calls.forEach((name, index) => {
      out.push({ type: 'tool-call-start', index, delta: { message: { tool_calls: { id: `call_${index}`, type: 'function', function: { name, arguments: '' } } } } });
      out.push({ type: 'tool-call-delta', index, delta: { message: { tool_calls: { function: { arguments: '{"parcel":"P-1"}' } } } } });
      out.push({ type: 'tool-call-end', index });
    });
  }
  if (extra.finish === null) return out;
  out.push({ type: 'message-end', id, delta: { finish_reason: extra.finish ?? (extra.calls?.length ? 'TOOL_CALL' : 'COMPLETE'), usage: extra.usage ?? USAGE } });
  return out;
}

/** An embed answer: `count` vectors of `dimensions` for each type asked (binary types pack 8 dimensions a byte). */
export function embeddings(count: number, dimensions: number, types: string[]) {
  const vector = (type: string, i: number) => {
    if (type === 'base64') return Buffer.from(new Float32Array(dimensions).fill(i + 1).buffer).toString('base64');
    return Array.from({ length: type.endsWith('binary') ? dimensions / 8 : dimensions }, (_, j) => (type === 'float' ? (i + 1) / (j + 2) : j));
  };
  return {
    id: 'emb-1',
    embeddings: Object.fromEntries(types.map((type) => [type, Array.from({ length: count }, (_, i) => vector(type, i))])),
    texts: [],
    meta: { api_version: { version: '2' }, billed_units: { input_tokens: 9 } },
    response_type: 'embeddings_by_type',
  };
}

/** A rerank answer: the first `count` documents, most relevant first. */
export function reranked(count: number) {
  return {
    id: 'rerank-1',
    results: Array.from({ length: count }, (_, index) => ({ index, relevance_score: 1 / (index + 2) })),
    meta: { api_version: { version: '2' }, billed_units: { search_units: 1 } },
  };
}
