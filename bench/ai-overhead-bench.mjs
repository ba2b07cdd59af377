// aegislog/ai: what recording adds to each model call, measured side by side with the same call unwrapped,
// in one process, over the built dist/esm (run `npm run build` first). Each call is timed alone, wrapped and
// unwrapped calls taking turns call by call so that drift hits both alike; the figure is the
// median call time of each and their difference. The model is never slow here (the AI SDK's mock models,
// the OpenAI, Anthropic and Google Gen AI SDKs over an in-process fetch, as is LangChain's ChatOpenAI, a span ended
// at once), so the difference is the integration's own cost: building the event, validating and serialising it in
// record() (a real AegisLog whose queue store keeps nothing). Keyed digests (HMAC through WebCrypto) are computed after the call returns: the
// "with digests, in all" rows divide the total time of a run, digests and records included, by its calls.
// The image rows (one image of about 1.5 MB, with a digest key) time each call, then, apart, how long its event
// takes to be recorded after it (the image decoded and HMACed, milliseconds); see `settle` in compare().
// Target (issue 14): <= 20 µs median per wrapped call (not for the image rows, which state their figures only).
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { generateText, wrapImageModel, wrapLanguageModel } from 'ai';
import { convertArrayToReadableStream, MockImageModelV4, MockLanguageModelV4 } from 'ai/test';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { ChatOpenAI } from '@langchain/openai';
import { aegislogCallbacks, aegislogImageMiddleware, aegislogMiddleware, aegislogSpanProcessor, aiFlush, wrapAnthropic, wrapBedrock, wrapGoogleGenAI, wrapOpenAI } from '../dist/esm/ai.js';
import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { Readable } from 'node:stream';
import { AegisLog } from '../dist/esm/index.js';
import { HTTPClient, Mistral } from '@mistralai/mistralai';
import { wrapMistral } from '../dist/esm/ai.js';
import { CohereClientV2 } from 'cohere-ai';
import { wrapCohere } from '../dist/esm/ai.js';

const ROUNDS = 10;
const PER_ROUND = Number(process.env.AI_BENCH_CALLS ?? 1500);
const KEY = 'operator-digest-key-for-the-benchmark';

/** A queue store that keeps nothing: record() does all its work, nothing accumulates between rounds. */
// It numbers as a store must (QueueStore.append: the plan runs on the state, the state is kept) and writes nothing.
const state = { client_id: '', next_seq: 1, size: 0 };
const discard = {
  name: 'discard', shared: false, append: async (plan) => (plan(state), { ...state }), put: async () => {}, list: async () => [], delete: async () => {}, count: async () => 0,
};
const log = new AegisLog({ endpoint: 'https://aegislog.example.com', tenantId: 'acme', apiKey: 'k', queue: discard, flushInterval: 0, batchSize: 1e9, maxQueueSize: 1e9, onError: () => {}, fetch: () => Promise.reject(new Error('no network')) });

const usage = { inputTokens: { total: 12, noCache: 12, cacheRead: undefined, cacheWrite: undefined }, outputTokens: { total: 7, text: 7, reasoning: undefined } };
const result = { content: [{ type: 'text', text: 'Refunds take 14 days.' }], finishReason: { unified: 'stop', raw: 'stop' }, usage, response: { id: 'r1', modelId: 'mock-2026', timestamp: new Date(0) }, warnings: [] };
const parts = [
  { type: 'stream-start', warnings: [] },
  { type: 'response-metadata', id: 'r1', modelId: 'mock-2026', timestamp: new Date(0) },
  { type: 'text-start', id: 't' },
  ...'Refunds take fourteen days from the day the parcel arrives.'.split(' ').map((w) => ({ type: 'text-delta', id: 't', delta: `${w} ` })),
  { type: 'text-end', id: 't' },
  { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage },
];
const model = new MockLanguageModelV4({ doGenerate: async () => result, doStream: async () => ({ stream: convertArrayToReadableStream(parts) }) });
const params = { prompt: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: [{ type: 'text', text: 'How long do refunds take?' }] }] };
const wrapped = (options) => wrapLanguageModel({ model, middleware: aegislogMiddleware({ log, ...options }) });
const readAll = async (stream) => {
  const reader = stream.getReader();
  while (!(await reader.read()).done);
};

// OpenAI: the real SDK over an in-process fetch that answers what the API would (no network in the figure).
const completion = JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini-2024-07-18', choices: [{ index: 0, message: { role: 'assistant', content: 'Refunds take 14 days.' }, finish_reason: 'stop' }], usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 } });
const sse = ['Refunds ', 'take ', '14 ', 'days.']
  .map((content, i) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini-2024-07-18', choices: [{ index: 0, delta: i ? { content } : { role: 'assistant', content }, finish_reason: null }] })}\n\n`)
  .concat(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini-2024-07-18', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\ndata: [DONE]\n\n`)
  .join('');
// An embedding of 1,536 dimensions (text-embedding-3-small's), as base64: what the SDK asks by default, and decodes.
const vector = new Float32Array(1536).map((_, i) => Math.sin(i) / 8);
const embeddingList = JSON.stringify({ object: 'list', data: [{ object: 'embedding', index: 0, embedding: Buffer.from(vector.buffer).toString('base64') }], model: 'text-embedding-3-small', usage: { prompt_tokens: 6, total_tokens: 6 } });
const json = (body) => new Response(body, { headers: { 'content-type': 'application/json' } });
const fetch = async (url, init) =>
  String(url).endsWith('/embeddings') ? json(embeddingList) : JSON.parse(init.body).stream ? new Response(sse, { headers: { 'content-type': 'text/event-stream' } }) : json(completion);
const client = (options) => {
  const c = new OpenAI({ apiKey: 'sk', baseURL: 'http://api.invalid/v1', fetch, maxRetries: 0 });
  return options ? wrapOpenAI(c, { log, ...options }) : c;
};
const messages = [{ role: 'user', content: 'How long do refunds take?' }];
const chat = (c) => () => c.chat.completions.create({ model: 'gpt-4o-mini', messages });
const embedding = (c) => () => c.embeddings.create({ model: 'text-embedding-3-small', input: 'How long do refunds take?' });
const chatStream = (c) => async () => {
  for await (const _ of await c.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true }));
};

// LangChain: the real ChatOpenAI over the same in-process fetch. Given any callback, LangChain runs its callback
// machinery (a run manager, each handler's calls) that a call without callbacks skips: the handler's own cost is
// measured beside a handler of the same methods doing nothing, with a name as ours has (LangChain uses such an object
// as it is, and makes a handler of one without on every call), and the whole of it beside no callbacks at all.
const chatOpenAI = new ChatOpenAI({ model: 'gpt-4o-mini', apiKey: 'sk', configuration: { baseURL: 'http://api.invalid/v1', fetch }, maxRetries: 0 });
const nothing = { name: 'nothing', awaitHandlers: true, ignoreChain: true, ignoreAgent: true, ignoreRetriever: true, ignoreCustomEvent: true, handleChatModelStart() {}, handleLLMStart() {}, handleLLMNewToken() {}, handleLLMEnd() {}, handleLLMError() {} };
const recording = aegislogCallbacks({ log });
const lcInvoke = (callbacks) => () => chatOpenAI.invoke(messages, { callbacks });
const lcStream = (callbacks) => async () => {
  for await (const _ of await chatOpenAI.stream(messages, { callbacks }));
};

// Anthropic: the real SDK over an in-process fetch answering a message, or its events (message_start, a text block
// of 4 deltas, message_delta, message_stop: 9 events, as the API streams a short answer).
const claudeMessage = JSON.stringify({ id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-5-5-20260601', content: [{ type: 'text', text: 'Refunds take 14 days.' }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 12, output_tokens: 7 } });
const claudeEvents = [
  { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-5-5-20260601', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 12, output_tokens: 1 } } },
  { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
  ...['Refunds ', 'take ', '14 ', 'days.'].map((text) => ({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })),
  { type: 'content_block_stop', index: 0 },
  { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 7 } },
  { type: 'message_stop' },
]
  .map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`)
  .join('');
const claudeFetch = async (_url, init) => (JSON.parse(init.body).stream ? new Response(claudeEvents, { headers: { 'content-type': 'text/event-stream' } }) : new Response(claudeMessage, { headers: { 'content-type': 'application/json' } }));
const claudeClient = (options) => {
  const c = new Anthropic({ apiKey: 'sk-ant', baseURL: 'http://api.invalid', fetch: claudeFetch, maxRetries: 0 });
  return options ? wrapAnthropic(c, { log, ...options }) : c;
};
const claude = (c) => () => c.messages.create({ model: 'claude-sonnet-5-5', max_tokens: 256, messages });
const claudeStream = (c) => async () => {
  for await (const _ of await c.messages.create({ model: 'claude-sonnet-5-5', max_tokens: 256, messages, stream: true }));
};

// Google Gen AI: the real SDK over an in-process fetch, given as its `httpOptions.fetch` (the SDK's own option; it
// then adds no undici dispatcher of its own either), answering as the Gemini API does: a whole answer as JSON, a
// stream as server-sent events (5 chunks: the text in 5 pieces, the last with the finish reason and whole usage),
// and :batchEmbedContents (what `models.embedContent` asks) with one vector of 768 dimensions, as JSON numbers.
const geminiMeta = { modelVersion: 'gemini-2.5-flash-001', responseId: 'resp-1' };
const geminiUsage = { promptTokenCount: 12, candidatesTokenCount: 7, totalTokenCount: 19 };
const geminiAnswer = JSON.stringify({ candidates: [{ content: { parts: [{ text: 'Refunds take 14 days.' }], role: 'model' }, finishReason: 'STOP', index: 0 }], usageMetadata: geminiUsage, ...geminiMeta });
const geminiChunks = ['Refunds ', 'take ', '14 ', 'days ', 'from arrival.']
  .map((text, i, all) => {
    const last = i === all.length - 1;
    const chunk = { candidates: [{ content: { parts: [{ text }], role: 'model' }, ...(last && { finishReason: 'STOP' }), index: 0 }], usageMetadata: last ? geminiUsage : { promptTokenCount: 12, totalTokenCount: 12 }, ...geminiMeta };
    return `data: ${JSON.stringify(chunk)}\r\n\r\n`;
  })
  .join('');
const geminiEmbedding = JSON.stringify({ embeddings: [{ values: Array.from({ length: 768 }, (_, i) => Math.sin(i) / 8) }] });
const geminiFetch = async (url) => {
  const u = String(url);
  return u.endsWith(':batchEmbedContents') ? json(geminiEmbedding) : u.includes(':streamGenerateContent') ? new Response(geminiChunks, { headers: { 'content-type': 'text/event-stream' } }) : json(geminiAnswer);
};
const geminiClient = (options) => {
  const c = new GoogleGenAI({ apiKey: 'gemini-key', httpOptions: { baseUrl: 'http://api.invalid', fetch: geminiFetch } });
  return options ? wrapGoogleGenAI(c, { log, ...options }) : c;
};
const gemini = (c) => () => c.models.generateContent({ model: 'gemini-2.5-flash', contents: 'How long do refunds take?' });
const geminiStream = (c) => async () => {
  for await (const _ of await c.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'How long do refunds take?' }));
};
const geminiEmbed = (c) => () => c.models.embedContent({ model: 'gemini-embedding-001', contents: 'How long do refunds take?' });

// Mistral: the real SDK over an in-process fetch, given as its `httpClient` (an HTTPClient with that fetcher, the
// SDK's own hook), answering as the Mistral API does: a whole answer as JSON, or a stream (asked with
// `Accept: text/event-stream`) as server-sent events: the role, the text in 4 pieces, the finish reason with the
// usage, then `[DONE]` (6 chunks).
const mistralCompletion = JSON.stringify({ id: 'cmpl-1', object: 'chat.completion', model: 'mistral-small-2506', created: 1, choices: [{ index: 0, message: { role: 'assistant', content: 'Refunds take 14 days.' }, finish_reason: 'stop' }], usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 } });
const mistralChunk = (delta, finish_reason = null, more = {}) => `data: ${JSON.stringify({ id: 'cmpl-1', object: 'chat.completion.chunk', created: 1, model: 'mistral-small-2506', choices: [{ index: 0, delta, finish_reason }], ...more })}\n\n`;
const mistralSse = [mistralChunk({ role: 'assistant', content: '' }), ...['Refunds ', 'take ', '14 ', 'days.'].map((content) => mistralChunk({ content })), mistralChunk({ content: '' }, 'stop', { usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 } }), 'data: [DONE]\n\n'].join('');
const mistralFetch = async (request) => (request.headers.get('accept') === 'text/event-stream' ? new Response(mistralSse, { headers: { 'content-type': 'text/event-stream' } }) : json(mistralCompletion));
const mistralClient = (options) => {
  const c = new Mistral({ apiKey: 'mistral-key', serverURL: 'http://api.invalid', httpClient: new HTTPClient({ fetcher: mistralFetch }), retryConfig: { strategy: 'none' } });
  return options ? wrapMistral(c, { log, ...options }) : c;
};
const mistral = (c) => () => c.chat.complete({ model: 'mistral-small-latest', messages });
const mistralStream = (c) => async () => {
  for await (const _ of await c.chat.stream({ model: 'mistral-small-latest', messages }));
};

// Cohere: the real SDK over an in-process fetch (its own `fetch` option), answering as the Cohere v2 API does: a
// whole answer as JSON, or a stream (asked with `stream: true` in the body) as server-sent events: message-start,
// content-start, the text in 4 pieces, content-end, message-end with the finish reason and usage (8 events).
const cohereUsage = { billed_units: { input_tokens: 12, output_tokens: 7 }, tokens: { input_tokens: 12, output_tokens: 7 } };
const cohereAnswer = JSON.stringify({ id: 'chat-1', finish_reason: 'COMPLETE', message: { role: 'assistant', content: [{ type: 'text', text: 'Refunds take 14 days.' }] }, usage: cohereUsage });
const cohereSse = [
  { type: 'message-start', id: 'chat-1', delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } } },
  { type: 'content-start', index: 0, delta: { message: { content: { type: 'text', text: '' } } } },
  ...['Refunds ', 'take ', '14 ', 'days.'].map((text) => ({ type: 'content-delta', index: 0, delta: { message: { content: { text } } } })),
  { type: 'content-end', index: 0 },
  { type: 'message-end', id: 'chat-1', delta: { finish_reason: 'COMPLETE', usage: cohereUsage } },
].map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join('');
const cohereFetch = async (_url, init) => (JSON.parse(init.body).stream ? new Response(cohereSse, { headers: { 'content-type': 'text/event-stream' } }) : json(cohereAnswer));
const cohereClient = (options) => {
  const c = new CohereClientV2({ token: 'cohere-key', environment: 'http://api.invalid', fetch: cohereFetch, maxRetries: 0 });
  return options ? wrapCohere(c, { log, ...options }) : c;
};
const cohere = (c) => () => c.chat({ model: 'command-a-03-2025', messages });
const cohereStream = (c) => async () => {
  for await (const _ of await c.chatStream({ model: 'command-a-03-2025', messages }));
};

// Images, with a digest key: one image of about 1.5 MB decoded (a PNG's size for 1024x1024; its bytes as a PNG's,
// compressed data, look random), answered as base64 (b64_json, as GPT Image models always answer; the AI SDK's
// specification's base64 string). The digest decodes it and HMACs its bytes after the call, in a task of its own.
const IMAGE_BYTES = 1_500_000;
const png = new Uint8Array(IMAGE_BYTES);
png.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
for (let i = 8, x = 2463534242; i < IMAGE_BYTES; i++) (x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), (png[i] = x & 0xff);
const pngBase64 = Buffer.from(png).toString('base64');
const imagesAnswer = JSON.stringify({ created: 1_780_000_000, background: 'opaque', data: [{ b64_json: pngBase64 }], output_format: 'png', quality: 'medium', size: '1024x1024', usage: { input_tokens: 50, output_tokens: 1056, total_tokens: 1106, input_tokens_details: { image_tokens: 0, text_tokens: 50 } } });
const imageClient = (options) => {
  const c = new OpenAI({ apiKey: 'sk', baseURL: 'http://api.invalid/v1', fetch: async () => json(imagesAnswer), maxRetries: 0 });
  return options ? wrapOpenAI(c, { log, ...options }) : c;
};
const imageGenerate = (c) => () => c.images.generate({ model: 'gpt-image-1', prompt: 'A parcel left at the door, in watercolour.' });
const imageModel = new MockImageModelV4({
  doGenerate: async () => ({ images: [pngBase64], warnings: [], response: { timestamp: new Date(0), modelId: 'mock-image-2026', headers: undefined }, usage: { inputTokens: 50, outputTokens: 1056, totalTokens: 1106 } }),
});
const imageParams = { prompt: 'A parcel left at the door, in watercolour.', n: 1, size: '1024x1024', aspectRatio: undefined, seed: undefined, files: undefined, mask: undefined, providerOptions: {} };
const imageMiddlewareModel = (options) => wrapImageModel({ model: imageModel, middleware: aegislogImageMiddleware({ log, ...options }) });

// OpenTelemetry: a GenAI chat span started and ended, with the span processor or with a processor doing nothing.
const noop = { onStart() {}, onEnd() {}, forceFlush: async () => {}, shutdown: async () => {} };
const tracerOf = (processor) => new BasicTracerProvider({ spanProcessors: [processor] }).getTracer('bench');
const attributes = { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.response.model': 'gpt-4o-mini-2024-07-18', 'gen_ai.usage.input_tokens': 12, 'gen_ai.usage.output_tokens': 7, 'gen_ai.response.finish_reasons': ['stop'] };
const span = (tracer) => () => tracer.startSpan('chat gpt-4o-mini', { attributes }).end();

// Amazon Bedrock: the real Bedrock Runtime client (its middleware stack, signing, serde) over an in-process request
// handler (the client's own `requestHandler` option) answering a Converse call, as Bedrock answers it.
const converseAnswer = Buffer.from(JSON.stringify({ output: { message: { role: 'assistant', content: [{ text: 'Refunds take 14 days.' }] } }, stopReason: 'end_turn', usage: { inputTokens: 12, outputTokens: 7, totalTokens: 19 }, metrics: { latencyMs: 300 } }));
const bedrockHandler = { handle: async () => ({ response: { statusCode: 200, headers: { 'content-type': 'application/json', 'x-amzn-requestid': 'req-1' }, body: Readable.from([converseAnswer]) } }) };
const bedrockClient = (options) => {
  const c = new BedrockRuntimeClient({ region: 'eu-central-1', credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench' }, maxAttempts: 1, requestHandler: bedrockHandler });
  return options ? wrapBedrock(c, { log, ...options }) : c;
};
const converse = (c) => () => c.send(new ConverseCommand({ modelId: 'eu.anthropic.claude-sonnet-5-5-v1:0', messages: [{ role: 'user', content: [{ text: 'How long do refunds take?' }] }] }));

const cases = [
  { name: 'AI SDK middleware: doGenerate', plain: () => model.doGenerate(params), wrapped: ((m) => () => m.doGenerate(params))(wrapped({})) },
  { name: 'AI SDK middleware: doStream, read to the end (21 parts)', plain: async () => readAll((await model.doStream(params)).stream), wrapped: ((m) => async () => readAll((await m.doStream(params)).stream))(wrapped({})) },
  { name: 'AI SDK middleware: generateText', plain: () => generateText({ model, prompt: 'How long do refunds take?' }), wrapped: ((m) => () => generateText({ model: m, prompt: 'How long do refunds take?' }))(wrapped({})) },
  { name: 'wrapOpenAI: chat.completions.create', plain: chat(client()), wrapped: chat(client({})) },
  { name: 'wrapOpenAI: chat.completions.create, streamed (5 chunks)', plain: chatStream(client()), wrapped: chatStream(client({})) },
  { name: 'wrapOpenAI: embeddings.create (1,536 dimensions, base64)', plain: embedding(client()), wrapped: embedding(client({})) },
  { name: 'wrapAnthropic: messages.create', plain: claude(claudeClient()), wrapped: claude(claudeClient({})) },
  { name: 'wrapAnthropic: messages.create, streamed (9 events)', plain: claudeStream(claudeClient()), wrapped: claudeStream(claudeClient({})) },
  { name: 'wrapGoogleGenAI: models.generateContent', plain: gemini(geminiClient()), wrapped: gemini(geminiClient({})) },
  { name: 'wrapGoogleGenAI: models.generateContentStream (5 chunks)', plain: geminiStream(geminiClient()), wrapped: geminiStream(geminiClient({})) },
  { name: 'wrapGoogleGenAI: models.embedContent (768 dimensions)', plain: geminiEmbed(geminiClient()), wrapped: geminiEmbed(geminiClient({})) },
  { name: 'wrapMistral: chat.complete', plain: mistral(mistralClient()), wrapped: mistral(mistralClient({})) },
  { name: 'wrapMistral: chat.stream (6 chunks)', plain: mistralStream(mistralClient()), wrapped: mistralStream(mistralClient({})) },
  { name: 'wrapCohere: chat', plain: cohere(cohereClient()), wrapped: cohere(cohereClient({})) },
  { name: 'wrapCohere: chatStream (8 events)', plain: cohereStream(cohereClient()), wrapped: cohereStream(cohereClient({})) },
  { name: 'aegislogCallbacks: ChatOpenAI.invoke, beside a handler doing nothing', plain: lcInvoke([nothing]), wrapped: lcInvoke([recording]) },
  { name: 'aegislogCallbacks: ChatOpenAI.stream (5 chunks), beside a handler doing nothing', plain: lcStream([nothing]), wrapped: lcStream([recording]) },
  // LangChain's callback machinery included: no target (the integration's own cost is the row above).
  { name: 'aegislogCallbacks: ChatOpenAI.invoke, beside no callbacks', plain: lcInvoke(undefined), wrapped: lcInvoke([recording]), target: false },
  { name: 'span processor: a GenAI chat span ended', plain: span(tracerOf(noop)), wrapped: span(tracerOf(aegislogSpanProcessor({ log }))) },
  { name: 'wrapBedrock: ConverseCommand', plain: converse(bedrockClient()), wrapped: converse(bedrockClient({})) },
];

const at = (list, q) => list[Math.min(list.length - 1, Math.floor(q * list.length))];
const now = () => process.hrtime.bigint();

/** One call's time in µs. */
async function once(fn) {
  const t0 = now();
  await fn();
  return Number(now() - t0) / 1000;
}

/**
 * Wrapped and unwrapped calls alternate call by call (which one goes first alternating too), so that
 * whatever drifts (a collection, the other core's load, the CPU's clock) falls on both alike. `settle`: after each
 * call, untimed by the call's own figure, `aiFlush` is awaited and timed apart (what the call left to do until its
 * event is recorded): the image rows, whose digest takes milliseconds in a task after the call, which would
 * otherwise fall into the next call's time, the unwrapped one's as often as not. A call that follows a wrapped
 * call's digest finds the CPU's caches emptied by it, and takes longer (the wrapped one, which runs more code,
 * more so): with the order alternating, that falls on each of the two in half of their calls. `calls` per round:
 * fewer for them (each digest takes hundreds of ms).
 */
async function compare({ plain, wrapped: w, settle = false, calls = PER_ROUND }) {
  const a = [];
  const b = [];
  const fa = [];
  const fb = [];
  for (let round = 0; round < ROUNDS; round++) {
    const warm = round < 2; // the first rounds warm the JIT up
    for (let i = 0; i < calls; i++) {
      let p, q, fp, fq;
      if (settle) {
        if (i % 2) (q = await once(w)), (fq = await once(flush)), (p = await once(plain)), (fp = await once(flush));
        else (p = await once(plain)), (fp = await once(flush)), (q = await once(w)), (fq = await once(flush));
      } else if (i % 2) (q = await once(w)), (p = await once(plain));
      else (p = await once(plain)), (q = await once(w));
      if (!warm) a.push(p), b.push(q), settle && (fa.push(fp), fb.push(fq));
    }
    await flush(); // what each round left in progress (digests) ends before the next one
  }
  for (const list of [a, b, fa, fb]) list.sort((x, y) => x - y);
  return { plain: at(a, 0.5), wrapped: at(b, 0.5), plainP90: at(a, 0.9), wrappedP90: at(b, 0.9), ...(settle && { plainFlush: at(fa, 0.5), wrappedFlush: at(fb, 0.5), wrappedFlushP90: at(fb, 0.9) }) };
}
const flush = () => aiFlush(log);

/** Whole runs, everything included: µs per call of a run of calls and the work they leave (digests, records). */
async function allIn(fn) {
  const best = [];
  for (let round = 0; round < 6; round++) {
    const t0 = now();
    for (let i = 0; i < PER_ROUND; i++) await fn();
    await aiFlush(log);
    if (round > 1) best.push(Number(now() - t0) / 1000 / PER_ROUND);
  }
  return best.sort((x, y) => x - y)[0];
}

const rows = [];
const fmt = (n) => n.toFixed(1).padStart(7);
console.log(`per call, µs (median; p90 in brackets), ${PER_ROUND} calls x ${ROUNDS - 2} rounds each; Node ${process.version}`);
console.log('case                                                     unwrapped          wrapped       added');
for (const c of cases) {
  const r = await compare(c);
  const added = r.wrapped - r.plain;
  console.log(`${c.name.padEnd(56)} ${fmt(r.plain)} (${fmt(r.plainP90)}) ${fmt(r.wrapped)} (${fmt(r.wrappedP90)}) ${fmt(added)}`);
  const peer = c.name.includes(' beside ') ? c.name.slice(c.name.indexOf(' beside ') + 8) : 'the same call unwrapped';
  const held = c.target !== false; // held to the target
  rows.push({ name: `${c.name}: added per call (median)`, value: Number(added.toFixed(2)), unit: 'µs', ...(held && { target: '≤ 20 µs' }), peer, peerValue: Number(r.plain.toFixed(2)), peerUnit: 'µs', ...(held && { ok: added <= 20 }) });
}

// With keyed digests (the privacy default): the call path, then everything per call.
const digesting = wrapped({ digestKey: KEY });
const d = await compare({ plain: () => model.doGenerate(params), wrapped: () => digesting.doGenerate(params) });
const plainAll = await allIn(() => model.doGenerate(params));
const digestAll = await allIn(() => digesting.doGenerate(params));
console.log(`${'AI SDK middleware: doGenerate, with digests (call path)'.padEnd(56)} ${fmt(d.plain)} (${fmt(d.plainP90)}) ${fmt(d.wrapped)} (${fmt(d.wrappedP90)}) ${fmt(d.wrapped - d.plain)}`);
console.log(`${'AI SDK middleware: doGenerate, with digests, in all'.padEnd(56)} ${fmt(plainAll)}           ${fmt(digestAll)}           ${fmt(digestAll - plainAll)}`);
rows.push(
  { name: 'AI SDK middleware: doGenerate with digests, call path: added per call (median)', value: Number((d.wrapped - d.plain).toFixed(2)), unit: 'µs', target: '≤ 20 µs', peer: 'the same call unwrapped', peerValue: Number(d.plain.toFixed(2)), peerUnit: 'µs', ok: d.wrapped - d.plain <= 20 },
  { name: 'AI SDK middleware: doGenerate with digests, in all (HMAC and record included): added per call', value: Number((digestAll - plainAll).toFixed(2)), unit: 'µs', peer: 'the same calls unwrapped', peerValue: Number(plainAll.toFixed(2)), peerUnit: 'µs' },
);

// Images: the call as the app's await sees it, then the time until its event is recorded (no target: the digest of
// 1.5 MB takes milliseconds, off the call's path). A check first that the event carries the images' digest (an
// HMAC beside the prompt's), whatever its field is named.
for (const make of [(options) => imageGenerate(imageClient(options)), (options) => ((m) => () => m.doGenerate(imageParams))(imageMiddlewareModel(options))]) {
  let digests = 0;
  await make({ digestKey: KEY, onRecorded: ({ event }) => (digests = Object.values(event.payload).filter((v) => String(v).startsWith('hmac-sha256:')).length) })();
  await flush();
  if (digests < 2) throw new Error(`an image event carries ${digests} digests, not the prompt's and the images'`);
}
const imageCases = [
  { name: 'wrapOpenAI: images.generate (1.5 MB b64_json), with digests', plain: imageGenerate(imageClient()), wrapped: imageGenerate(imageClient({ digestKey: KEY })) },
  { name: 'image middleware: doGenerate (1.5 MB base64), with digests', plain: () => imageModel.doGenerate(imageParams), wrapped: ((m) => () => m.doGenerate(imageParams))(imageMiddlewareModel({ digestKey: KEY })) },
];
const ms = (us) => Number((us / 1000).toFixed(3));
for (const c of imageCases) {
  const r = await compare({ ...c, settle: true, calls: Math.max(6, Math.round(PER_ROUND / 125)) });
  const added = r.wrapped - r.plain;
  console.log(`${c.name.padEnd(56)} ${fmt(r.plain)} (${fmt(r.plainP90)}) ${fmt(r.wrapped)} (${fmt(r.wrappedP90)}) ${fmt(added)}`);
  console.log(`${'  then until its event is recorded (aiFlush)'.padEnd(56)} ${fmt(r.plainFlush)}           ${fmt(r.wrappedFlush)} (${fmt(r.wrappedFlushP90)})`);
  rows.push(
    { name: `${c.name}: added per call (median)`, value: Number(added.toFixed(2)), unit: 'µs', peer: 'the same call unwrapped', peerValue: Number(r.plain.toFixed(2)), peerUnit: 'µs' },
    { name: `${c.name}: after the call, until its event is recorded (median; the digest: 1.5 MB decoded, in canonical JSON, HMACed)`, value: ms(r.wrappedFlush), unit: 'ms', peer: 'aiFlush after the call unwrapped', peerValue: ms(r.plainFlush), peerUnit: 'ms' },
  );
}
await log.close();
console.log(JSON.stringify(rows));
