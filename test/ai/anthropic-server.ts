/**
 * A small Anthropic Messages API on 127.0.0.1 for the tests: POST /v1/messages (and `?beta=true`), answering
 * a message as JSON, or its server-sent events as the real API streams them (message_start, content_block_start,
 * ping, content_block_delta with text_delta or input_json_delta, content_block_stop, message_delta with
 * stop_reason and usage, message_stop; an `error` event mid-stream), and API errors in the API's own body
 * (`{ type: "error", error: { type, message } }`, 429, 529 overloaded…). It stands in for the model provider,
 * which cannot run here. Each request takes the next scripted answer, or the default one (a short answer about
 * the last user message, streamed when the request asks for a stream).
 */
import { startScriptedServer, type Answer, type ScriptedServer } from './scripted-server.js';

export type { Received } from './scripted-server.js';

/** A JSON answer, server-sent events (each `event:` line named after its data's `type`), or a stall: see Answer. */
export type Script = Answer<unknown>;

export interface AnthropicServer extends Omit<ScriptedServer<Script>, 'origin'> {
  /** Base URL for the SDK (it adds `/v1/messages`). */
  url: string;
}

export const MODEL = 'claude-test';
export const SNAPSHOT = 'claude-test-2026-05-01';
export const USAGE = { input_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 7, service_tier: 'standard' };

export async function startAnthropicServer(): Promise<AnthropicServer> {
  const scripted = await startScriptedServer<unknown, Script>({
    requestIdHeader: 'request-id',
    answer: ({ path, body }, _url, next) => next() ?? (path === '/v1/messages' ? defaultAnswer(body) : { status: 404, json: apiError('not_found_error', `Not found: ${path}`) }),
    frame: (data: any) => `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`,
  });
  return { ...scripted, url: scripted.origin };
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
