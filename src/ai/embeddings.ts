/**
 * Embedding calls are model calls too: a RAG app's retrieval depends on which embedding model (and version) made
 * its vectors. Used by wrapOpenAI (`embeddings.create`). The vectors themselves are neither digested nor kept: a
 * canonical JSON of thousands of floats a call would cost far more than the call's recording; their count and
 * dimensions are recorded.
 */
import type { AiCall, AiOptions } from './options.js';
import { resolve } from './record.js';

/**
 * The options, with `model_context.model_type` `"embedding"` for the calls `embeds` picks (unless the options give a
 * `model_type`): the recorder says `"llm"` for every other model call. One recorder for all of a wrapper's calls,
 * so that its events keep the order their calls ended in.
 */
export function embeddingTyped(options: AiOptions, embeds: (call: AiCall) => boolean): AiOptions {
  const given = options.model_context;
  return {
    ...options,
    model_context: (call) => {
      const context = resolve(given, call);
      return embeds(call) ? { model_type: 'embedding', ...context } : context;
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
