/**
 * The Vercel AI SDK's language-model middleware: `wrapLanguageModel({ model,
 * middleware: aegislogMiddleware({ log }) })` records one event per model call,
 * generated or streamed. The types are structural (the spec's v3 and v4
 * shapes), so that nothing of `ai` is loaded or needed at run time.
 */
import type { RecordOptions } from '../client/event.js';
import type { AiCall, AiOptions } from './options.js';
import { failure, now, recorder, round, textChars, track } from './record.js';

/** What the middleware reads of the AI SDK's language model (structural: `ai` stays an optional peer). */
export interface ModelLike {
  readonly provider: string;
  readonly modelId: string;
}

/** What the middleware reads of a call's options. */
export interface CallOptionsLike {
  prompt: unknown;
  abortSignal?: AbortSignal | undefined;
  providerOptions?: Record<string, unknown> | undefined;
}

/** One content part of a result: text, or a tool call by name. */
export interface PartLike {
  type: string;
  text?: string;
  toolName?: string;
}

/** What the middleware reads of `doGenerate`'s result. */
export interface GenerateResultLike {
  content: readonly PartLike[];
  finishReason: unknown;
  usage: unknown;
  response?: { id?: string | undefined; modelId?: string | undefined } | undefined;
}

/** What the middleware wraps of `doStream`'s result. */
export interface StreamResultLike {
  stream: ReadableStream<any>;
}

/** A `LanguageModelMiddleware` of the AI SDK (`'v4'`: ai@7; `'v3'`: ai@6). */
export interface AegisLogMiddleware<V extends 'v3' | 'v4' = 'v4'> {
  readonly specificationVersion: V;
  wrapGenerate<R extends GenerateResultLike>(options: { doGenerate: () => PromiseLike<R>; params: CallOptionsLike; model: ModelLike }): Promise<R>;
  wrapStream<R extends StreamResultLike>(options: { doStream: () => PromiseLike<R>; params: CallOptionsLike; model: ModelLike }): Promise<R>;
}

/**
 * One event per model call: `generateText`, `streamText`, `generateObject`…
 * through the wrapped model. The result is the model's own; a stream carries
 * the same parts, and is recorded when it ends, fails, or is cancelled.
 * Per call, `providerOptions: { aegislog: { session_context, … } }` adds record
 * options (by wire name) to that call's event.
 */
export function aegislogMiddleware<V extends 'v3' | 'v4' = 'v4'>(options: AiOptions & { specificationVersion?: V }): AegisLogMiddleware<V> {
  const record = recorder(options);
  /** One call: what its parts said so far (`seen`), and `end`, which records it once. */
  const begin = (params: CallOptionsLike, model: ModelLike, operation: string) => {
    const done = track(options);
    const start = now();
    const seen: Partial<AiCall> & { toolCalls: string[] } = { toolCalls: [] };
    let ended = false;
    const signal = params.abortSignal;
    // An abort ends the call even when the SDK stops reading the stream without cancelling it (ai@6 does so).
    const onAbort = () => end('aborted', signal!.reason);
    signal?.addEventListener('abort', onAbort);
    const end = (outcome?: 'aborted' | 'error', error?: unknown) => {
      if (ended) return;
      ended = true;
      signal?.removeEventListener('abort', onAbort);
      record(
        () => ({
          integration: 'ai-sdk',
          operation,
          streamed: operation === 'stream',
          provider: model.provider,
          modelId: model.modelId,
          latencyMs: round(now() - start),
          input: params.prompt,
          inputChars: textChars(params.prompt),
          request: params,
          carried: params.providerOptions?.aegislog as RecordOptions | undefined,
          ...seen,
          outcome: outcome ?? (error === undefined ? 'ok' : failure(error, params.abortSignal)),
          error,
        }),
        done,
      );
    };
    /** A generated part or a stream part (the v4 and v3 shapes agree: `{ unified }` finish reasons, `{ total }` token counts). */
    const observe = (part: { type: string; [field: string]: any }) => {
      const { type } = part;
      if (seen.timeToFirstTokenMs === undefined && /-delta$|^tool-call$/.test(type)) seen.timeToFirstTokenMs = round(now() - start);
      if (type === 'text' || type === 'text-delta') seen.output = (seen.output ?? '') + (part.text ?? part.delta);
      else if (type === 'tool-call') seen.toolCalls.push(part.toolName);
      else if (type === 'response-metadata') Object.assign(seen, { responseId: part.id, responseModelId: part.modelId });
      else if (type === 'error') seen.error = part.error;
      else if (type === 'finish') {
        const { usage: u, finishReason: f } = part;
        Object.assign(seen, { finishReason: f?.unified, inputTokens: u?.inputTokens?.total, outputTokens: u?.outputTokens?.total });
      }
    };
    return { seen, end, observe };
  };

  return {
    specificationVersion: (options.specificationVersion ?? 'v4') as V,

    async wrapGenerate({ doGenerate, params, model }) {
      const { seen, end, observe } = begin(params, model, 'generate');
      try {
        const result = await doGenerate();
        try {
          result.content.forEach(observe);
          observe({ type: 'finish', finishReason: result.finishReason, usage: result.usage });
          observe({ type: 'response-metadata', ...result.response });
          delete seen.timeToFirstTokenMs; // not a stream: no first token to time
        } catch {
          // A result of a shape not foreseen: the event records what was understood.
        }
        end();
        return result;
      } catch (error) {
        end(undefined, error);
        throw error;
      }
    },

    async wrapStream({ doStream, params, model }) {
      const { seen, end, observe } = begin(params, model, 'stream');
      let result;
      try {
        result = await doStream();
      } catch (error) {
        end(undefined, error);
        throw error;
      }
      const reader = result.stream.getReader();
      // Read only as the consumer reads (highWaterMark 0): the stream's pace and backpressure stay the model's.
      const stream = new ReadableStream(
        {
          async pull(controller) {
            let next;
            try {
              next = await reader.read();
            } catch (error) {
              end(undefined, error);
              throw error;
            }
            if (next.done) {
              end(undefined, seen.error);
              return controller.close();
            }
            try {
              observe(next.value);
            } catch {
              // A part of a shape not foreseen: the stream goes on, the event records what was understood.
            }
            controller.enqueue(next.value);
          },
          cancel(reason) {
            // Cancelled is aborted, whatever the reason given (the client went away, a break, a signal).
            end('aborted', reason);
            return reader.cancel(reason);
          },
        },
        { highWaterMark: 0 },
      );
      return { ...result, stream };
    },
  };
}
