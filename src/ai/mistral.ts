/**
 * The Mistral TypeScript SDK (`@mistralai/mistralai` 2.x and 1.x): `wrapMistral(client, { log })` records one event
 * per `chat.complete`, `chat.stream`, `chat.parse`, `chat.parseStream`, `fim.complete`, `fim.stream`, `agents.complete`, `agents.stream`,
 * `embeddings.create` and `classifiers.moderate`, `.moderateChat`, `.classify` and `.classifyChat` call. The call returns exactly what the SDK returns (the same promise, the same response
 * object, the same `EventStream` of `{ data: CompletionChunk }`): the wrapper only watches the promise settle, and
 * the chunks as the app iterates them. Nothing of `@mistralai/mistralai` is imported.
 */
import type { AiCall, AiOptions } from './options.js';
import { finishOf, outcomeOf } from './finish.js';
import { check, checkClient, once, recorder, stopwatch, textChars, track, type Recorder } from './record.js';
import { append, copy, onAnswer, readThroughIterator, WRAPPED } from './sdk-watch.js';
import { modelTyped, vectorsSummary } from './embeddings.js';

/** A method of one of the SDK's sub-SDKs: `complete(request, options?)`, an async method of its class. */
type Method = ((this: unknown, request: Record<string, any>, requestOptions?: Record<string, any>, ...rest: unknown[]) => unknown) & { [WRAPPED]?: true };

/** The sub-SDKs and their methods that make a model call. */
const METHODS: [resource: string, methods: string[]][] = [
  // `parse` and `parseStream`: structured outputs (a Zod schema as `responseFormat`), which call the API themselves.
  ['chat', ['complete', 'stream', 'parse', 'parseStream']],
  ['fim', ['complete', 'stream']],
  ['agents', ['complete', 'stream']],
  ['embeddings', ['create']],
  // A safety classifier's call, and a classifier of the app's own (a fine-tuned one): what it decided is the evidence.
  ['classifiers', ['moderate', 'moderateChat', 'classify', 'classifyChat']],
];

/**
 * `model_context.model_type` by operation, unless the options pin one; any other is an `llm`'s. Keys written out,
 * never computed (`[name]: …`): a bundler keeps an object with a computed key in every bundle of this package's
 * entry (66 B more for the browser's middleware, over its budget: bench/ai-bundle-bench.mjs).
 */
const MODEL_TYPES: Record<string, string> = {
  'embeddings.create': 'embedding',
  'classifiers.moderate': 'moderation',
  'classifiers.moderateChat': 'moderation',
  'classifiers.classify': 'classifier',
  'classifiers.classifyChat': 'classifier',
};

/**
 * The client, with the methods above recording. The SDK makes each sub-SDK (`client.chat`…) on first use, in a
 * getter that keeps it (`_chat`) and returns that same instance ever after: this reads each getter once, so that the
 * instance is made now, and sets its own method on that instance (its class's other methods are untouched). Wrapping
 * it again changes nothing.
 */
export function wrapMistral<C extends object>(client: C, options: AiOptions): C {
  check(options);
  checkClient(client);
  // One recorder for every call (events in the order their calls ended); an embedding model's, a moderation model's
  // and a classifier's `model_type` is its own.
  const record = recorder(modelTyped(options, (call) => MODEL_TYPES[call.operation]));
  for (const [resource, methods] of METHODS) {
    const target = (client as Record<string, unknown>)[resource] as Record<string, unknown> | undefined;
    for (const method of methods) wrap(target, resource, method, record, options);
  }
  return client;
}

/** What a whole answer (or the chunks read so far) says, as AiCall fields, and its usage as last reported. */
type Summary = Partial<AiCall> & { toolCalls: string[]; usage?: Record<string, any> };

function wrap(target: Record<string, unknown> | undefined, resource: string, method: string, record: Recorder, options: AiOptions): void {
  const call = target?.[method] as Method | undefined;
  if (typeof call !== 'function' || call[WRAPPED]) return;
  const operation = `${resource}.${method}`;
  const streamed = /stream$/i.test(method);
  // How a whole answer is read, chosen once per method, by its model's kind.
  const kind = MODEL_TYPES[operation];
  const whole = kind === 'embedding' ? embeddingSummary : kind === 'moderation' ? moderationSummary : kind === 'classifier' ? classificationSummary : (answer: any, into: Summary) => chunkSummary(answer, into, () => undefined);
  const wrapped: Method = function (this: unknown, request, requestOptions, ...rest) {
    const done = track(options);
    const elapsed = stopwatch();
    const seen: Summary = { toolCalls: [] };
    // `?.` throughout: a request the SDK itself refuses must reach it, and fail there, as unwrapped (and be recorded).
    const input = inputOf(resource, request);
    // The request's own `signal` wins over the deprecated `fetchOptions.signal`, as the SDK spreads them.
    const signal: AbortSignal | undefined = requestOptions?.signal ?? requestOptions?.fetchOptions?.signal ?? undefined;
    const end = once((fill: Partial<AiCall>) => {
      record(() => {
        const { usage, ...said } = seen;
        return {
          integration: 'mistral',
          operation,
          streamed,
          provider: 'mistral',
          // An agent names no model: its id is what the call asked for (the answer's `model` is response_model_id).
          modelId: String(resource === 'agents' ? request?.agentId : request?.model),
          outcome: 'ok',
          latencyMs: elapsed(),
          input,
          inputChars: resource === 'fim' ? textChars([request?.prompt, request?.suffix]) : textChars(resource === 'classifiers' ? classified(input) : input),
          request,
          inputTokens: usage?.promptTokens,
          outputTokens: usage?.completionTokens,
          ...said,
          ...fill,
        };
      }, done);
    });
    const failed = (error: unknown) => end({ outcome: outcomeOf(error, 'error', signal), error: typed(error) });
    const first = () => (seen.timeToFirstTokenMs ??= elapsed());
    let promise: unknown;
    try {
      promise = call.call(this, request, requestOptions, ...rest);
    } catch (error) {
      failed(error);
      throw error;
    }
    // A stream's items are `{ data: CompletionChunk }` (the SDK's CompletionEvent).
    const item = (event: any, into: Summary, mark: () => void) => chunkSummary(event?.data, into, mark);
    // Watched before the app's own `then` (reactions run in the order they were added): a stream is watched before
    // the app is handed it. Its abort is the request's signal (the SDK's EventStream has no controller of its own).
    // The EventStream is a ReadableStream: its other ways of reading are watched too.
    const answered = onAnswer(streamed, seen, whole, item, end, failed, first, signal);
    void Promise.resolve(promise).then((answer) => (answered(answer), streamed && readThroughIterator(answer)), failed);
    return promise;
  };
  wrapped[WRAPPED] = true;
  target![method] = wrapped;
}

/**
 * What the model is given, as the app passed it (a list copied at the call: an app appends the answer and its next
 * turn to the same list, often before the event's digest is computed): the messages (chat, agents), the inputs
 * (embeddings: a string or a list), or `{ prompt, suffix }` (fill-in-the-middle).
 */
function inputOf(resource: string, request: Record<string, any> | undefined): unknown {
  if (resource === 'fim') return { prompt: request?.prompt, suffix: request?.suffix };
  // Texts, or a chat (or chats) to classify: `classifyChat`'s is `input`, the others' `inputs`.
  if (resource === 'classifiers') return copy(request?.inputs ?? request?.input);
  return copy(resource === 'embeddings' ? request?.inputs : request?.messages);
}

/**
 * The texts or messages a classifier was given, in one list: texts, a chat, chats (lists of messages) or
 * `classifyChat`'s `{ messages }` (or a list of them).
 */
function classified(input: unknown): unknown[] {
  return [input].flat(2).flatMap((item: any) => (Array.isArray(item?.messages) ? item.messages : [item]));
}

/** The words finish_reason may take; a Mistral reason this wrapper does not know is `other`. */
const UNIFIED = /^(stop|length|tool-calls|error)$/;

/**
 * A whole answer (its choice's `message`), or one chunk of a stream (its choice's `delta`, the text generated since
 * the last one; the last chunk carries the usage): the first choice's text is the output, its content a string or a
 * list of chunks of which only `text` ones count (`thinking` chunks, a Magistral model's reasoning, are not output, as
 * Anthropic's thinking is not); its tool calls' names; its `finishReason` in the AI SDK's words, as the AI SDK's
 * Mistral provider maps them (`model_length`, the model's context full, is `length`), kept as sent
 * (`mistral_finish_reason`). The SDK has made the wire's snake_case camelCase (`finishReason`, `toolCalls`,
 * `promptTokens`). Never throws: an answer of a shape not foreseen records what it understood.
 */
function chunkSummary(answer: any, into: Summary, first: () => void): void {
  if (typeof answer?.id === 'string') into.responseId = answer.id;
  if (typeof answer?.model === 'string') into.responseModelId = answer.model;
  if (answer?.usage && typeof answer.usage === 'object') into.usage = answer.usage;
  const choice = Array.isArray(answer?.choices) ? answer.choices[0] : undefined;
  const message = choice?.message ?? choice?.delta;
  const content = message?.content;
  // A string (a stream's usual delta) read at once: no list made for each chunk.
  if (typeof content === 'string') {
    if (content) first();
    append(into, content);
  } else if (Array.isArray(content)) {
    for (const part of content) {
      const text = part?.type === 'text' ? part.text : undefined;
      if ((typeof text === 'string' && text) || part?.type === 'thinking') first();
      append(into, text);
    }
  }
  if (Array.isArray(message?.toolCalls)) {
    for (const tool of message.toolCalls) {
      const name = tool?.function?.name;
      if (typeof name === 'string' && name) {
        first();
        into.toolCalls.push(name);
      }
    }
  }
  const reason = choice?.finishReason;
  if (typeof reason === 'string') {
    const unified = reason === 'model_length' ? 'length' : finishOf(reason);
    into.finishReason = UNIFIED.test(unified) ? unified : 'other';
    into.extra = { ...into.extra, mistral_finish_reason: reason };
    // The model finished with an error: a failed call, as every integration records finish reason `error`.
    if (into.finishReason === 'error') into.outcome = 'error';
  }
}

/** An embeddings answer: its vectors' count and dimensions (not the floats: see embeddings.ts), its input tokens, model and id. */
function embeddingSummary(answer: any, into: Summary): void {
  answered(answer, into);
  if (answer?.usage && typeof answer.usage === 'object') into.usage = { promptTokens: answer.usage.promptTokens };
  into.extra = vectorsSummary(Array.isArray(answer?.data) ? answer.data.map((item: any) => item?.embedding) : undefined);
}

/**
 * A moderation answer, as wrapOpenAI records OpenAI's: its id and model, how many results (one per input or chat)
 * there are and how many are flagged (a category true), and the names of the categories flagged in any of them (not
 * the scores: the answer keeps those).
 */
function moderationSummary(answer: any, into: Summary): void {
  answered(answer, into);
  const results: any[] = Array.isArray(answer?.results) ? answer.results : [];
  const categories = new Set<string>();
  let flagged = 0;
  for (const result of results) {
    const named = Object.keys(result?.categories ?? {}).filter((name) => result.categories[name] === true);
    for (const name of named) categories.add(name);
    if (named.length) flagged++;
  }
  into.extra = { moderation_results: results.length, flagged, flagged_categories: categories.size ? [...categories] : undefined };
}

/**
 * A classifier's answer: for each input (or chat), in order, each target's label that scored highest, with its
 * score (`classification_labels`: `[{ target: { label, score } }]`), recorded as the decision it is, as OpenAI's
 * decisions are (decisions.ts); not the other labels' scores (the answer keeps those).
 */
function classificationSummary(answer: any, into: Summary): void {
  answered(answer, into);
  const results: any[] = Array.isArray(answer?.results) ? answer.results : [];
  into.extra = {
    classification_labels: results.map((result) => {
      const targets: Record<string, { label: string; score: number }> = {};
      for (const [target, value] of Object.entries(result ?? {})) {
        for (const [label, score] of Object.entries((value as { scores?: Record<string, unknown> } | null)?.scores ?? {})) {
          if (typeof score === 'number' && score > (targets[target]?.score ?? -Infinity)) targets[target] = { label, score };
        }
      }
      return targets;
    }),
  };
}

/** An answer's id and model. */
function answered(answer: any, into: Summary): void {
  if (typeof answer?.id === 'string') into.responseId = answer.id;
  if (typeof answer?.model === 'string') into.responseModelId = answer.model;
}

/**
 * The SDK's error as the event records it: its `SDKError` and `HTTPValidationError` carry the HTTP status
 * (`statusCode`) and the API's error body as text (`body`), whose `type` (`invalid_request_error`, `rate_limited`…)
 * is recorded as the error's `code`, as Anthropic's error type is. A view of the same error (its prototype), never a
 * change to the one the app is given; a body that is no JSON (a proxy's HTML page) leaves it as it is.
 */
function typed(error: any): unknown {
  let type: unknown;
  try {
    if (error?.code === undefined && typeof error?.body === 'string' && error.body.startsWith('{')) type = JSON.parse(error.body)?.type;
  } catch {
    // Not JSON after all.
  }
  return typeof type === 'string' && type ? Object.create(error, { code: { value: type } }) : error;
}
