/**
 * The Cohere TypeScript SDK (`cohere-ai` 8.x): `wrapCohere(client, { log })` records one event per `chat`,
 * `chatStream`, `embed` and `rerank` call of a `CohereClientV2` (the v2 API), or of a `CohereClient`'s `v2`. The call
 * returns exactly what the SDK returns (the same `HttpResponsePromise`, whose `withRawResponse()` still works, the
 * same response object, the same `Stream` of events): the wrapper only watches the promise settle, and the events as
 * the app iterates them. The v1 API's own `chat` and `chatStream` (a `CohereClient`'s) are not wrapped. Nothing of
 * `cohere-ai` is imported.
 */
import type { AiCall, AiOptions } from './options.js';
import { finishOf, outcomeOf } from './finish.js';
import { check, checkClient, once, recorder, stopwatch, textChars, track, type Recorder } from './record.js';
import { append, copy, onAnswer, WRAPPED } from './sdk-watch.js';
import { modelTyped, vectorsSummary } from './embeddings.js';

/** A method of the v2 client: `chat(request, requestOptions?)`, returning the SDK's `HttpResponsePromise`. */
type Method = ((this: unknown, request: Record<string, any>, requestOptions?: Record<string, any>, ...rest: unknown[]) => unknown) & { [WRAPPED]?: true };

/** The methods that make a model call. */
const METHODS = ['chat', 'chatStream', 'embed', 'rerank'];

/**
 * A rerank model is a model call too: which model (and version) ordered a RAG app's documents decides what its chat
 * model is given. Its `model_type` is `reranker`; an embedding model's is `embedding` (as embeddings.ts sets it).
 */
const TYPES: Record<string, string> = { embed: 'embedding', rerank: 'reranker' };

/**
 * The client, with the methods above recording. `CohereClientV2` binds each method to its inner v2 client as an own
 * property of the instance, made in its constructor: each is replaced on the instance. A `CohereClient` (v1) keeps a
 * v2 client (`client.v2`, made on first use and kept): its methods (of its class) are set on that instance. Wrapping
 * it again changes nothing.
 */
export function wrapCohere<C extends object>(client: C, options: AiOptions): C {
  check(options);
  checkClient(client);
  // One recorder for every call (events in the order their calls ended).
  const record = recorder(modelTyped(options, (call) => TYPES[call.operation]));
  // A CohereClient's `v2` is a getter that makes its V2Client once; a CohereClientV2 has none.
  const target = ('v2' in client ? (client as { v2: unknown }).v2 : client) as Record<string, unknown> | undefined;
  for (const method of METHODS) wrap(target, method, record, options);
  return client;
}

/** What a whole answer (or the events read so far) says, as AiCall fields, and its usage as last reported. */
type Summary = Partial<AiCall> & { toolCalls: string[]; usage?: Record<string, any> };

function wrap(target: Record<string, unknown> | undefined, operation: string, record: Recorder, options: AiOptions): void {
  const call = target?.[operation] as Method | undefined;
  if (typeof call !== 'function' || call[WRAPPED]) return;
  const streamed = operation === 'chatStream';
  const wrapped: Method = function (this: unknown, request, requestOptions, ...rest) {
    const done = track(options);
    const elapsed = stopwatch();
    const seen: Summary = { toolCalls: [] };
    // `?.` throughout: a request the SDK itself refuses must reach it, and fail there, as unwrapped (and be recorded).
    const input = inputOf(operation, request);
    const signal: AbortSignal | undefined = requestOptions?.abortSignal ?? undefined;
    const end = once((fill: Partial<AiCall>) => {
      record(() => {
        const { usage, ...said } = seen;
        // `tokens`: what the model read and wrote (as the AI SDK's Cohere provider reads them); else the billed units.
        const tokens = usage?.tokens ?? usage?.billedUnits;
        return {
          integration: 'cohere',
          operation,
          streamed,
          provider: 'cohere',
          modelId: String(request?.model),
          outcome: 'ok',
          latencyMs: elapsed(),
          input,
          inputChars: operation === 'rerank' ? textChars([request?.query, ...(Array.isArray(request?.documents) ? request.documents : [])]) : textChars(input),
          request,
          inputTokens: tokens?.inputTokens,
          outputTokens: tokens?.outputTokens,
          ...said,
          ...fill,
        };
      }, done);
    });
    const failed = (error: unknown) => end({ outcome: outcomeOf(error, 'error', signal), error });
    const first = () => (seen.timeToFirstTokenMs ??= elapsed());
    let promise: any;
    try {
      promise = call.call(this, request, requestOptions, ...rest);
    } catch (error) {
      failed(error);
      throw error;
    }
    const whole = operation === 'embed' ? embeddingSummary : operation === 'rerank' ? rerankSummary : answerSummary;
    // Watched through the SDK's HttpResponsePromise's own `then` (its data, the promise left as it is), now, before
    // the app's own `then` or `withRawResponse()`: a stream is watched before the app is handed it. Not through
    // Promise.resolve(), which would call that `then` a turn later, after the app's. Its abort is the request's signal.
    const watched = typeof promise?.then === 'function' ? promise : Promise.resolve(promise);
    void watched.then(onAnswer(streamed, seen, whole, eventSummary, end, failed, first, signal), failed);
    return promise;
  };
  wrapped[WRAPPED] = true;
  target![operation] = wrapped;
}

/**
 * What the model is given, as the app passed it (a list copied at the call: an app appends the answer and its next
 * turn to the same list, often before the event's digest is computed): the messages (chat), the texts, images or
 * inputs (embed), or `{ query, documents }` (rerank).
 */
function inputOf(operation: string, request: Record<string, any> | undefined): unknown {
  if (operation === 'embed') return copy(request?.texts ?? request?.inputs ?? request?.images);
  if (operation === 'rerank') return { query: request?.query, documents: copy(request?.documents) };
  return copy(request?.messages);
}

/**
 * Cohere's finish reasons in the AI SDK's words, by finish.ts's table, as the AI SDK's Cohere provider maps them:
 * `COMPLETE` and `STOP_SEQUENCE` stop, `MAX_TOKENS` length, `TOOL_CALL` tool-calls, `ERROR` error (a failed call),
 * `TIMEOUT` other. Kept as sent as `cohere_finish_reason`.
 */
function finished(reason: unknown, into: Summary): void {
  if (typeof reason !== 'string') return;
  into.finishReason = finishOf(reason);
  into.extra = { ...into.extra, cohere_finish_reason: reason };
  // The model finished with an error: a failed call, as every integration records finish reason `error`.
  if (into.finishReason === 'error') into.outcome = 'error';
}

function toolCalled(tool: any, into: Summary, first: () => void): void {
  const name = tool?.function?.name;
  if (typeof name === 'string' && name) {
    first();
    into.toolCalls.push(name);
  }
}

/**
 * A whole chat answer: its `message.content` parts, of which only `text` ones are output (`thinking` parts, a
 * reasoning model's, are not, as Anthropic's thinking is not), its tool calls' names, its finish reason, usage and
 * id. The SDK has made the wire's snake_case camelCase (`finishReason`, `toolCalls`, `billedUnits`). Never throws:
 * an answer of a shape not foreseen records what it understood.
 */
function answerSummary(answer: any, into: Summary): void {
  if (typeof answer?.id === 'string') into.responseId = answer.id;
  if (answer?.usage && typeof answer.usage === 'object') into.usage = answer.usage;
  const message = answer?.message;
  // A thinking part carries its text as `thinking`, not `text`: only text parts' text is appended.
  if (Array.isArray(message?.content)) for (const part of message.content) append(into, part?.text);
  if (Array.isArray(message?.toolCalls)) for (const tool of message.toolCalls) toolCalled(tool, into, () => undefined);
  finished(answer?.finishReason, into);
}

/**
 * One event of a `chatStream`: `message-start` (the id), `content-start` and `content-delta` (text, or a reasoning
 * model's `thinking`, which is the first token but no output), `tool-plan-delta` (the plan of a tool-using model:
 * generated, not output), `tool-call-start` (one tool call, its name), `message-end` (the finish reason and usage).
 */
function eventSummary(event: any, into: Summary, first: () => void): void {
  const type = event?.type;
  if (type === 'message-start' || type === 'message-end') {
    if (typeof event.id === 'string') into.responseId = event.id;
    if (type === 'message-start') return;
    const delta = event.delta;
    if (delta?.usage && typeof delta.usage === 'object') into.usage = delta.usage;
    finished(delta?.finishReason, into);
  } else if (type === 'content-start' || type === 'content-delta') {
    const content = event.delta?.message?.content;
    const text = content?.text;
    if ((typeof text === 'string' && text) || content?.thinking) first();
    append(into, text);
  } else if (type === 'tool-plan-delta') {
    if (event.delta?.message?.toolPlan) first();
  } else if (type === 'tool-call-start') {
    toolCalled(event.delta?.message?.toolCalls, into, first);
  }
}

/**
 * An embed answer: its vectors' count and dimensions (not the numbers: see embeddings.ts), whichever types were
 * asked (`embeddingTypes`: float, int8, uint8, base64 of float32s, all of the same dimensions; binary and ubinary
 * pack 8 dimensions a byte, read only when none of the others came), its input tokens and id. Cohere names no model.
 */
function embeddingSummary(answer: any, into: Summary): void {
  if (typeof answer?.id === 'string') into.responseId = answer.id;
  const meta = answer?.meta;
  const tokens = meta?.tokens ?? meta?.billedUnits;
  if (tokens) into.usage = { tokens: { inputTokens: tokens.inputTokens } };
  const by = answer?.embeddings;
  const type = ['float', 'int8', 'uint8', 'base64'].find((t) => Array.isArray(by?.[t]));
  const packed = type ? undefined : ['binary', 'ubinary'].find((t) => Array.isArray(by?.[t]));
  const summary = vectorsSummary(by?.[type ?? packed ?? '']);
  if (packed && summary?.embedding_dimensions !== undefined) summary.embedding_dimensions *= 8;
  into.extra = summary;
}

/**
 * A rerank answer: the count of results (`rerank_result_count`), its id and tokens. Recorded as a model call (which
 * model ordered which documents for which query: what a RAG app's answer was built on), but with no output text or
 * digest: the model generates none, only indexes into the documents and relevance scores, as an embedding model
 * gives only vectors (embeddings.ts). The query and documents are the input, their characters counted and digested.
 */
function rerankSummary(answer: any, into: Summary): void {
  if (typeof answer?.id === 'string') into.responseId = answer.id;
  const tokens = answer?.meta?.tokens ?? answer?.meta?.billedUnits;
  if (tokens) into.usage = { tokens: { inputTokens: tokens.inputTokens } };
  into.extra = { rerank_result_count: Array.isArray(answer?.results) ? answer.results.length : undefined };
}
