/**
 * Embedding calls are model calls too: a RAG app's retrieval depends on which embedding model (and version) made
 * its vectors. Shared by wrapOpenAI (`embeddings.create`) and the AI SDK's embedding middleware
 * (`wrapEmbeddingModel`), which is an export of its own so that the language-model middleware's browser bundle
 * stays within its 2,000 B. The vectors themselves are neither digested nor kept: a canonical JSON of thousands of
 * floats a call would cost far more than the call's recording; their count and dimensions are recorded.
 */
import type { RecordOptions } from '../client/event.js';
import { outcomeOf } from './finish.js';
import type { AiCall, AiOptions } from './options.js';
import { check, kept, recorder, resolve, stopwatch, textChars, track } from './record.js';
import type { ModelLike } from './ai-sdk.js';

/**
 * The options, with the `model_context.model_type` that `typeOf` gives a call (`"embedding"` for an embedding call;
 * undefined: the recorder's `"llm"`), unless the options give a `model_type`. One recorder for all of a wrapper's
 * calls, so that its events keep the order their calls ended in.
 */
export function modelTyped(options: AiOptions, typeOf: (call: AiCall) => string | undefined): AiOptions {
  const given = options.model_context;
  return {
    ...options,
    model_context: (call) => {
      const context = resolve(given, call);
      const type = typeOf(call);
      return type ? { model_type: type, ...context } : context;
    },
  };
}

/**
 * `embedding_count` and `embedding_dimensions` of an answer's vectors: arrays of numbers (or typed arrays), or
 * base64 strings of little-endian float32s (OpenAI's `encoding_format: 'base64'`, read as the app gets them). The
 * dimensions are recorded when every vector has the same (as the APIs promise); vectors that differ, or a string
 * that is no whole number of float32s, leave them out rather than pick one.
 */
export function vectorsSummary(vectors: unknown): Record<string, number | undefined> | undefined {
  if (!Array.isArray(vectors)) return undefined;
  const dimensions = new Set<number | undefined>();
  for (const vector of vectors) dimensions.add(dimensionsOf(vector));
  return { embedding_count: vectors.length, embedding_dimensions: dimensions.size === 1 ? [...dimensions][0] : undefined };
}

function dimensionsOf(vector: unknown): number | undefined {
  if (typeof vector !== 'string') {
    const length = (vector as { length?: unknown } | null)?.length;
    return typeof length === 'number' ? length : undefined;
  }
  // Base64: 3 bytes for each 4 characters, the padding left out; 4 bytes a float32.
  let end = vector.length;
  while (end > 0 && vector.charCodeAt(end - 1) === 61 /* = */) end--;
  const bytes = Math.floor((end * 3) / 4);
  return bytes % 4 ? undefined : bytes / 4;
}

/** What the middleware reads of an embedding call's options (v3 and v4 alike). */
export interface EmbedCallOptionsLike {
  values: readonly unknown[];
  abortSignal?: AbortSignal | undefined;
  providerOptions?: Record<string, unknown> | undefined;
}

/** What the middleware reads of `doEmbed`'s result. */
export interface EmbedResultLike {
  embeddings: readonly unknown[];
  usage?: { tokens?: number | undefined } | undefined;
  response?: { body?: unknown } | undefined;
}

/** An `EmbeddingModelMiddleware` of the AI SDK (`'v4'`: ai@7; `'v3'`: ai@6). */
export interface AegisLogEmbeddingMiddleware<V extends 'v3' | 'v4' = 'v4'> {
  readonly specificationVersion: V;
  wrapEmbed<R extends EmbedResultLike>(options: { doEmbed: () => PromiseLike<R>; params: EmbedCallOptionsLike; model: ModelLike }): Promise<R>;
  transformParams<P extends EmbedCallOptionsLike>(options: { params: P }): Promise<P>;
}

/**
 * The AI SDK's embedding-model middleware: `wrapEmbeddingModel({ model, middleware: aegislogEmbeddingMiddleware({
 * log }) })` records one event per call to the model's `doEmbed`: one for `embed`, one per chunk of values for
 * `embedMany`. The result is the model's own, returned as it came. Options are checked as it is made, as for the
 * other server-side integrations (ERR_CONFIG naming the field). A model wrapped twice with it and the same log (a
 * library's wrap and the app's, or `middleware: [a, b]`) records each call once, as the language-model middleware
 * does and by the same means (ai-sdk.ts): the outer wrap records it, and the inner one passes it on.
 */
export function aegislogEmbeddingMiddleware<V extends 'v3' | 'v4' = 'v4'>(options: AiOptions & { specificationVersion?: V }): AegisLogEmbeddingMiddleware<V> {
  check(options);
  const record = recorder(modelTyped(options, () => 'embedding'));
  return {
    specificationVersion: (options.specificationVersion ?? 'v4') as V,
    // The AI SDK runs it for every call: params of the call's own, unless a wrap above with this log marked them.
    transformParams: async ({ params }) => (kept.get(params) === options.log ? params : { ...params }),
    async wrapEmbed({ doEmbed, params, model }) {
      // Marked params are a wrap's above with the same log, which records the call: this one only passes it on.
      if (kept.has(params)) return doEmbed();
      kept.set(params, options.log);
      const done = track(options);
      const elapsed = stopwatch();
      const end = (fill: () => Partial<AiCall>) =>
        record(
          () => ({
            integration: 'ai-sdk',
            operation: 'embed',
            streamed: false,
            provider: model.provider,
            modelId: model.modelId,
            outcome: 'ok',
            latencyMs: elapsed(),
            input: params.values,
            inputChars: textChars(params.values),
            request: params,
            carried: params.providerOptions?.aegislog as RecordOptions | undefined,
            ...fill(),
          }),
          done,
        );
      let result;
      try {
        result = await doEmbed();
      } catch (error) {
        end(() => ({ outcome: outcomeOf(error, 'error', params.abortSignal), error }));
        throw error;
      }
      // Read inside the recorder's guard: a result of a shape not foreseen goes to onError, never to the app.
      end(() => {
        // The spec's result names no model; OpenAI's and OpenAI-compatible providers' bodies do.
        const answered = (result.response?.body as { model?: unknown } | undefined)?.model;
        return { inputTokens: result.usage?.tokens, responseModelId: typeof answered === 'string' ? answered : undefined, extra: vectorsSummary(result.embeddings) };
      });
      return result;
    },
  };
}
