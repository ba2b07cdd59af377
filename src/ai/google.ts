/**
 * The Google Gen AI SDK (`@google/genai`, for Gemini through the Gemini API or Vertex AI): `wrapGoogleGenAI(client,
 * { log })` records one event per `models.generateContent`, `models.generateContentStream` and `models.embedContent`
 * call, and so per message of a chat (`chats.create()`'s `sendMessage()` and `sendMessageStream()` call the
 * client's own `models`). The call returns exactly what the SDK returns (the same promise, the same response
 * object, the same async generator of chunks): the wrapper only watches the promise settle, and the chunks as the
 * app reads them. Nothing of `@google/genai` is imported.
 */
import type { AiCall, AiOptions } from './options.js';
import { finishOf, outcomeOf } from './finish.js';
import { check, checkClient, once, recorder, stopwatch, textChars, track, type Recorder } from './record.js';
import { append, copy, onAnswer, WRAPPED } from './sdk-watch.js';
import { modelTyped, vectorsSummary } from './embeddings.js';
import { addImages, Base64Image } from './images.js';

/** A method of the SDK's `models`: `generateContent(params)`, an arrow function of the instance's own. */
type Method = ((this: unknown, params: Record<string, any>, ...rest: unknown[]) => unknown) & { [WRAPPED]?: true };

const EMBED = 'models.embedContent';

/**
 * The client, with `models.generateContent`, `.generateContentStream` and `.embedContent` recording (in place: the
 * SDK sets them on its `models` object as the client is made, and this sets its own there; its other methods are
 * untouched). Wrapping it again changes nothing.
 */
export function wrapGoogleGenAI<C extends object>(client: C, options: AiOptions): C {
  check(options);
  checkClient(client);
  // One recorder for every call (events in the order their calls ended); an embedding model's `model_type` is its own.
  const record = recorder(modelTyped(options, (call) => (call.operation === EMBED ? 'embedding' : undefined)));
  const models = (client as { models?: Record<string, unknown> }).models;
  for (const method of ['generateContent', 'generateContentStream', 'embedContent']) wrap(models, method, record, options);
  return client;
}

/**
 * What a whole answer (or the chunks read so far) says, as AiCall fields, its usage as last reported, and how many
 * of its tool calls came before the last finish reason (a stream of the SDK's automatic function calling holds
 * several answers, each with its own).
 */
type Summary = Partial<AiCall> & { toolCalls: string[]; usage?: Record<string, any>; finished?: number };

function wrap(models: Record<string, unknown> | undefined, method: string, record: Recorder, options: AiOptions): void {
  const call = models?.[method] as Method | undefined;
  if (typeof call !== 'function' || call[WRAPPED]) return;
  const operation = `models.${method}`;
  const streamed = method === 'generateContentStream';
  const embedding = operation === EMBED;
  const wrapped: Method = function (this: unknown, params, ...rest) {
    const done = track(options);
    const elapsed = stopwatch();
    const seen: Summary = { toolCalls: [] };
    // `?.` throughout: params the SDK itself refuses must reach it, and fail there, as unwrapped (and be recorded).
    // The contents as given (a string, a Content, parts or a list of Contents), copied at the call: an app appends
    // the answer and its next turn to the same list, often before the event's digest is computed.
    const contents = copy(params?.contents);
    const system = params?.config?.systemInstruction;
    const signal: AbortSignal | undefined = params?.config?.abortSignal;
    const end = once((fill: Partial<AiCall>) => {
      record(() => {
        const { usage, finished, ...said } = seen;
        return {
          integration: 'google-genai',
          operation,
          streamed,
          provider: 'google',
          modelId: String(params?.model),
          outcome: 'ok',
          // A promise that settles with the whole answer: its latency is to the response, however late the app awaits it.
          latencyMs: elapsed(),
          input: embedding ? contents : { systemInstruction: system, contents },
          inputChars: textChars(contents) + textChars(system),
          request: params,
          ...tokens(usage),
          ...said,
          ...fill,
        };
      }, done);
    });
    const failed = (error: unknown) => end({ outcome: outcomeOf(error, 'error', signal), error: typed(error) });
    const first = () => (seen.timeToFirstTokenMs ??= elapsed());
    let promise: unknown;
    try {
      promise = call.call(this, params, ...rest);
    } catch (error) {
      failed(error);
      throw error;
    }
    const answered = onAnswer(streamed, seen, embedding ? embeddingSummary : (answer, into) => chunkSummary(answer, into, () => undefined), chunkSummary, end, failed, first, signal);
    // Watched before the app's own `then` (reactions run in the order they were added): a stream is watched before
    // the app is handed it. Its abort is the app's `config.abortSignal` (the SDK's generator has no controller).
    void Promise.resolve(promise).then(answered, failed);
    return promise;
  };
  wrapped[WRAPPED] = true;
  models![method] = wrapped;
}

/** The words finish_reason may take; a Gemini reason this wrapper does not map (`LANGUAGE`, `OTHER`, newer ones) is `other`. */
const UNIFIED = /^(stop|length|content-filter|tool-calls|error|other)$/;

/**
 * A whole answer, or one chunk of a stream (each carries the response id, the model version and the usage so far;
 * its parts are the text generated since the last one): the first candidate's text parts are the output (thought
 * parts are not, as Anthropic's thinking is not), its function calls the tool calls, its `inlineData` parts of an
 * `image/*` type its images (an image model's, such as gemini-2.5-flash-image, beside its text; a thought's interim
 * images are not; audio is none), kept as base64 and decoded only for the digest, after the call (images.ts); its `finishReason` mapped as
 * the AI SDK's Google provider maps it (finish.ts), `tool-calls` for a STOP of an answer with function calls, and kept as sent
 * (`gemini_finish_reason`); a prompt the API blocked (`promptFeedback.blockReason`, no candidate) is
 * `content-filter`, its reason kept as `block_reason`.
 */
function chunkSummary(chunk: any, into: Summary, first: () => void): void {
  if (chunk?.responseId) into.responseId = chunk.responseId;
  if (chunk?.modelVersion) into.responseModelId = chunk.modelVersion;
  if (chunk?.usageMetadata) into.usage = chunk.usageMetadata;
  const candidate = chunk?.candidates?.[0];
  const parts = candidate?.content?.parts;
  if (Array.isArray(parts) && parts.length) {
    first();
    for (const part of parts) {
      const name = part?.functionCall?.name;
      const inline = part?.inlineData;
      if (typeof name === 'string') into.toolCalls.push(name);
      else if (part?.thought) continue;
      else if (typeof inline?.data === 'string' && /^image\//i.test(inline.mimeType)) {
        addImages(into, [new Base64Image(inline.data)]);
      } else append(into, part?.text);
    }
  }
  const reason = candidate?.finishReason;
  if (typeof reason === 'string') {
    const unified = finishOf(reason);
    into.finishReason = unified === 'stop' && into.toolCalls.length > (into.finished ?? 0) ? 'tool-calls' : UNIFIED.test(unified) ? unified : 'other';
    into.finished = into.toolCalls.length;
    into.extra = { ...into.extra, gemini_finish_reason: reason };
    // MALFORMED_FUNCTION_CALL: the model finished with an error, which every integration records as a failed call.
    if (into.finishReason === 'error') into.outcome = 'error';
  }
  const blocked = chunk?.promptFeedback?.blockReason;
  if (typeof blocked === 'string') {
    into.finishReason = 'content-filter';
    into.extra = { ...into.extra, block_reason: blocked };
  }
}

/**
 * An embedContent answer: its vectors' count and dimensions (not the floats: see embeddings.ts), and its token count
 * when it has one: `usageMetadata.promptTokenCount`, or the sum of each vector's `statistics.tokenCount` (Vertex AI).
 * The answer names no model.
 */
function embeddingSummary(answer: any, into: Summary): void {
  const vectors: any[] | undefined = Array.isArray(answer?.embeddings) ? answer.embeddings : undefined;
  into.extra = vectorsSummary(vectors?.map((e) => e?.values));
  let counted: number | undefined;
  for (const e of vectors ?? []) if (typeof e?.statistics?.tokenCount === 'number') counted = (counted ?? 0) + e.statistics.tokenCount;
  into.inputTokens = answer?.usageMetadata?.promptTokenCount ?? counted;
}

/**
 * Token counts from `usageMetadata`: the input is `promptTokenCount` (cached tokens included, as Gemini counts
 * them); the output is `candidatesTokenCount` and `thoughtsTokenCount`, since thinking is generated and billed as
 * output, as OpenAI's `completion_tokens` counts reasoning and Anthropic's `output_tokens` thinking.
 */
function tokens(usage: Record<string, any> | undefined): Partial<AiCall> | undefined {
  if (!usage) return undefined;
  const { candidatesTokenCount: out, thoughtsTokenCount: thought } = usage;
  return {
    inputTokens: usage.promptTokenCount,
    outputTokens: typeof out === 'number' || typeof thought === 'number' ? (out ?? 0) + (thought ?? 0) : undefined,
  };
}

/**
 * The SDK's error as the event records it: its `ApiError` carries the HTTP status, and the API's error body as its
 * message (`{"error":{"code":429,"message":…,"status":"RESOURCE_EXHAUSTED"}}`; a stream's error chunk, after `got
 * status: …`), whose `status` word is recorded as the error's `code`. A view of the same error (its prototype), never
 * a change to the one the app is given.
 */
function typed(error: any): unknown {
  const word = error?.code === undefined && typeof error?.message === 'string' ? /"status":\s*"([A-Z_]+)"/.exec(error.message)?.[1] : undefined;
  return word ? Object.create(error, { code: { value: word } }) : error;
}
