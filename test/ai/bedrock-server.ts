/**
 * A small Amazon Bedrock Runtime on 127.0.0.1 for the tests: POST /model/{modelId}/converse (a whole answer as
 * JSON), /converse-stream (its events as `application/vnd.amazon.eventstream` binary frames, encoded with the codec
 * the AWS SDK itself decodes them with: @smithy/core's event-streams), /invoke and /invoke-with-response-stream (a
 * model's own body: here Anthropic's Messages, as Bedrock serves Claude; streamed as `chunk` events of base64 bytes),
 * and service errors as the API answers them (status, `{ __type, message }`). It stands in for the model provider,
 * which cannot run here. Each request takes the next scripted answer, or the default one (a short answer about the
 * last user message's text, streamed when the path asks for a stream).
 */
import { EventStreamCodec } from '@smithy/core/event-streams';
import { startScriptedServer, type Answer, type ScriptedServer } from './scripted-server.js';

export type { Received } from './scripted-server.js';

/**
 * One event of a stream: `{ messageStart: {...} }`, `{ chunk: { bytes } }`…, an event named by its key; a key ending
 * in `Exception` (`{ modelStreamErrorException: { message } }`) is sent as an exception message, as the service sends
 * an error that arrives mid-stream, unless `$messageType: 'event'` sends it as an event of the stream's union.
 */
export type StreamEvent = Record<string, unknown> & { $messageType?: 'event' };
export type Script = Answer<StreamEvent>;
export type BedrockServer = ScriptedServer<Script>;

export const MODEL = 'anthropic.claude-test-v1:0';
/** An inference profile's ARN: what an app may pass as `modelId` (encoded in the path by the SDK). */
export const PROFILE_ARN = 'arn:aws:bedrock:eu-central-1:123456789012:inference-profile/eu.anthropic.claude-test-v1:0';
export const USAGE = { inputTokens: 12, outputTokens: 7, totalTokens: 19 };

const codec = new EventStreamCodec(
  (bytes) => Buffer.from(bytes).toString('utf8'),
  (text) => new Uint8Array(Buffer.from(text, 'utf8')),
);

/** An event as the service frames it: headers naming it, its JSON body; the CRC32s are the codec's. */
export function frame(event: StreamEvent): Uint8Array {
  const [name, value] = Object.entries(event).find(([key]) => key !== '$messageType')!;
  const kind = event.$messageType ?? (name.endsWith('Exception') ? 'exception' : 'event');
  return codec.encode({
    headers: {
      ':message-type': { type: 'string', value: kind },
      [kind === 'event' ? ':event-type' : ':exception-type']: { type: 'string', value: name },
      ':content-type': { type: 'string', value: 'application/json' },
    },
    body: new Uint8Array(Buffer.from(JSON.stringify(value), 'utf8')),
  });
}

export async function startBedrockServer(): Promise<BedrockServer> {
  return startScriptedServer<StreamEvent, Script>({
    requestIdHeader: 'x-amzn-requestid',
    streamType: 'application/vnd.amazon.eventstream',
    answer: ({ path, body }, _url, next) => next() ?? defaultAnswer(path, body),
    frame,
  });
}

function defaultAnswer(path: string, body: any): Script {
  const text = `You asked ${lastUserText(body).length} characters.`;
  const pieces = text.split(/(?<= )/);
  if (path.endsWith('/converse')) return { json: converse(text) };
  if (path.endsWith('/converse-stream')) return { sse: converseEvents(pieces) };
  if (path.endsWith('/invoke')) return { json: claudeMessage(text) };
  if (path.endsWith('/invoke-with-response-stream')) return { sse: claudeChunks(pieces) };
  return serviceError(404, 'ResourceNotFoundException', `Not found: ${path}`);
}

/** The last user message's text: Converse's content blocks, or an Anthropic body's string or text parts. */
function lastUserText(body: any): string {
  const last = [...(body.messages ?? [])].reverse().find((m: any) => m.role === 'user');
  const content = last?.content;
  return typeof content === 'string' ? content : (content ?? []).map((p: any) => p.text ?? '').join('');
}

/** A service error: the status, and the body the SDK reads the exception's name (`__type`) and message from. */
export function serviceError(status: number, type: string, message: string): Script {
  return { status, json: { __type: type, message } };
}

type Extra = { stop?: string; tools?: string[]; reasoning?: string; usage?: Record<string, unknown> };

/** A Converse answer: reasoning, text and toolUse blocks, the stop reason, usage and metrics. */
export function converse(text: string, extra: Extra = {}) {
  const content: unknown[] = [];
  if (extra.reasoning) content.push({ reasoningContent: { reasoningText: { text: extra.reasoning, signature: 'sig' } } });
  if (text) content.push({ text });
  for (const [i, name] of (extra.tools ?? []).entries()) content.push({ toolUse: { toolUseId: `tooluse_${i}`, name, input: { city: 'Paris' } } });
  return { output: { message: { role: 'assistant', content } }, stopReason: extra.stop ?? (extra.tools?.length ? 'tool_use' : 'end_turn'), usage: extra.usage ?? USAGE, metrics: { latencyMs: 321 } };
}

/**
 * A ConverseStream answer's events, as the service sends them: messageStart; reasoning, then each piece of text, as
 * contentBlockDelta of the first block; each tool use a block of its own (start with its name, a delta of its input
 * JSON, stop); messageStop with the stop reason (none when `stop: null`: a stream cut short); metadata with usage.
 */
export function converseEvents(pieces: string[], extra: Omit<Extra, 'stop'> & { stop?: string | null } = {}): StreamEvent[] {
  const events: StreamEvent[] = [{ messageStart: { role: 'assistant' } }];
  let index = 0;
  if (extra.reasoning) {
    events.push({ contentBlockDelta: { contentBlockIndex: index, delta: { reasoningContent: { text: extra.reasoning } } } }, { contentBlockStop: { contentBlockIndex: index++ } });
  }
  if (pieces.length) {
    for (const text of pieces) events.push({ contentBlockDelta: { contentBlockIndex: index, delta: { text } } });
    events.push({ contentBlockStop: { contentBlockIndex: index++ } });
  }
  for (const [i, name] of (extra.tools ?? []).entries()) {
    events.push(
      { contentBlockStart: { contentBlockIndex: index, start: { toolUse: { toolUseId: `tooluse_${i}`, name } } } },
      { contentBlockDelta: { contentBlockIndex: index, delta: { toolUse: { input: '{"city":"Paris"}' } } } },
      { contentBlockStop: { contentBlockIndex: index++ } },
    );
  }
  if (extra.stop === null) return events;
  events.push({ messageStop: { stopReason: extra.stop ?? (extra.tools?.length ? 'tool_use' : 'end_turn') } });
  events.push({ metadata: { usage: extra.usage ?? USAGE, metrics: { latencyMs: 321 } } });
  return events;
}

/** An Anthropic Messages answer as InvokeModel returns Claude's body (its own field names, snake_case). */
export function claudeMessage(text: string, stop = 'end_turn') {
  return {
    id: 'msg_bdrk_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-test-20260501',
    content: [{ type: 'text', text }],
    stop_reason: stop,
    stop_sequence: null,
    usage: { input_tokens: 12, output_tokens: 7 },
  };
}

/** Claude's stream as InvokeModelWithResponseStream carries it: each Anthropic event's JSON, base64, in a `chunk`. */
export function claudeChunks(pieces: string[], stop: string | null = 'end_turn'): StreamEvent[] {
  const events: unknown[] = [
    { type: 'message_start', message: { ...claudeMessage(''), content: [], stop_reason: null, usage: { input_tokens: 12, output_tokens: 1 } } },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    ...pieces.map((text) => ({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })),
    { type: 'content_block_stop', index: 0 },
  ];
  if (stop !== null) events.push({ type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: 7 } }, { type: 'message_stop', 'amazon-bedrock-invocationMetrics': { inputTokenCount: 12, outputTokenCount: 7 } });
  return events.map((event) => ({ chunk: { bytes: Buffer.from(JSON.stringify(event)).toString('base64') } }));
}

/**
 * The same service over HTTP/2 without TLS (h2c), as the client's default request handler (the SDK's
 * NodeHttp2Handler) speaks it: default answers only (a Converse answer, a ConverseStream's events), no script.
 */
export async function startBedrockH2Server(): Promise<{ origin: string; close(): Promise<void> }> {
  const { createServer } = await import('node:http2');
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = defaultAnswer(req.url.replace(/\?.*$/, ''), JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
      const sse = 'sse' in answer;
      res.writeHead('status' in answer ? answer.status ?? 200 : 200, { 'content-type': sse ? 'application/vnd.amazon.eventstream' : 'application/json', 'x-amzn-requestid': 'req_h2' });
      if (sse) for (const event of answer.sse) res.write(frame(event));
      else if ('json' in answer) res.write(JSON.stringify(answer.json));
      res.end();
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const sessions = new Set<import('node:http2').ServerHttp2Session>();
  server.on('session', (s) => (sessions.add(s), s.on('close', () => sessions.delete(s))));
  return {
    origin: `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`,
    close: () =>
      new Promise<void>((ok) => {
        for (const s of sessions) s.destroy();
        server.close(() => ok());
      }),
  };
}
