/**
 * The Vercel AI SDK's language-model middleware: `wrapLanguageModel({ model,
 * middleware: aegislogMiddleware({ log }) })` records one event per model call,
 * generated or streamed. The types are structural (the spec's v3 and v4
 * shapes), so that nothing of `ai` is loaded or needed at run time.
 */
import type { RecordOptions } from '../client/event.js';
import type { AiCall, AiOptions } from './options.js';
import { outcomeOf } from './finish.js';
import { kept, recorder, track } from './record.js';

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
  transformParams<P extends CallOptionsLike>(options: { params: P }): Promise<P>;
}

/**
 * `textChars` of record.ts (a prompt's characters of text), in fewer bytes for a browser bundle: `[x].flat()` for
 * its `Array.isArray` tests, about 16 B gzip less and 2 µs a call more. test/ai/text-chars.test.ts checks both alike.
 */
export function promptChars(prompt: unknown): number {
  let n = 0;
  for (const m of [prompt].flat()) {
    for (const part of [(m as { content?: unknown } | null)?.content ?? m].flat()) {
      const text = (part as { text?: unknown } | null)?.text ?? part;
      if (typeof text == 'string') n += text.length;
    }
  }
  return n;
}

/**
 * One event per model call: `generateText`, `streamText`, `generateObject`…
 * through the wrapped model. The result is the model's own; a stream carries
 * the same parts, and is recorded when it ends, fails, or is cancelled.
 * A model wrapped twice with the same log records each call once (the outer
 * wrap does). Per call, `providerOptions: { aegislog: { session_context, … } }` adds record
 * options (by wire name) to that call's event.
 */
export function aegislogMiddleware<V extends 'v3' | 'v4' = 'v4'>(options: AiOptions & { specificationVersion?: V }): AegisLogMiddleware<V> {
  const record = recorder(options);
  /** `wrapGenerate` and `wrapStream`: one call each, recorded once (`end`) from what its parts said (`seen`). */
  const wrap =
    (streamed: boolean) =>
    async <R,>({ doGenerate, doStream, params, model }: { doGenerate?: () => PromiseLike<R>; doStream?: () => PromiseLike<R>; params: CallOptionsLike; model: ModelLike }): Promise<R> => {
      const call = streamed ? doStream! : doGenerate!;
      // Params marked (`kept`: with the log recording the call) are those of a wrap above with the same log, which
      // records the call (transformParams handed them on): this one only passes it on. Others are this call's own.
      if (kept.has(params)) return call();
      kept.set(params, options.log);
      const done = track(options);
      // stopwatch() as toFixed: the same figure to the microsecond, about 1 µs dearer a call than its round(), but
      // fewer bytes against the middleware's 2,000 B in a browser bundle.
      const start = performance.now();
      const elapsed = () => +(performance.now() - start).toFixed(3);
      const seen: Partial<AiCall> & { toolCalls: string[] } = { toolCalls: [] };
      let ended: unknown; // 1 once recorded (a number, not true: fewer bytes)
      const signal = params.abortSignal;
      /** Records the call once: with its error (by default an error part's) and finish reason, or as aborted. */
      const end = (error: unknown = seen.error, outcome?: 'aborted') => {
        if (ended) return;
        ended = 1;
        signal?.removeEventListener('abort', onAbort);
        record(
          () => ({
            integration: 'ai-sdk',
            operation: streamed ? 'stream' : 'generate',
            streamed,
            provider: model.provider,
            modelId: model.modelId,
            latencyMs: elapsed(),
            input: params.prompt,
            inputChars: promptChars(params.prompt),
            request: params,
            carried: params.providerOptions?.aegislog as RecordOptions | undefined,
            ...seen,
            outcome: outcome ?? outcomeOf(error, seen.finishReason, signal),
            error,
          }),
          done,
        );
      };
      // An abort ends the call even when the SDK stops reading the stream without cancelling it (ai@6 does so),
      // and so does a signal aborted already, whose event never fires (the model may not heed it either).
      const onAbort = () => end(signal!.reason, 'aborted');
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort);
      /** A generated part or a stream part (the v4 and v3 shapes agree: `{ unified }` finish reasons, `{ total }` token counts). */
      const observe = (part: { type: string; [field: string]: any }) => {
        // Never throws, so that a part of a shape not foreseen goes on to the app: the event records what was understood.
        const type = part?.type;
        // Streams only: the first generated text, reasoning or tool call.
        if (streamed && /-delta|^tool-call$/.test(type)) seen.timeToFirstTokenMs ??= elapsed();
        // `==` against a literal, here and in the shared record.ts and finish.ts: the same test for the SDK's strings,
        // in fewer bytes.
        // `[seen.output] +`: the text so far, none the first time (a list of one undefined joins as ''), in fewer bytes.
        if (/^text(-delta)?$/.test(type)) seen.output = [seen.output] + (part.text ?? part.delta);
        else if (type == 'tool-call') part.toolName && seen.toolCalls.push(part.toolName);
        else if (type == 'response-metadata') (seen.responseId = part.id), (seen.responseModelId = part.modelId);
        // An error part is the SDK's finish reason `error` too, unless a finish part follows.
        else if (type == 'error') (seen.finishReason = 'error'), (seen.error = part.error);
        else if (type == 'finish') {
          seen.finishReason = part.finishReason?.unified;
          seen.inputTokens = part.usage?.inputTokens?.total;
          seen.outputTokens = part.usage?.outputTokens?.total;
        }
      };

      let result: any;
      try {
        result = await call();
      } catch (error) {
        end(error);
        throw error;
      }
      if (!streamed) {
        try {
          result.content.forEach(observe);
          observe({ ...result, type: 'finish' });
          observe({ type: 'response-metadata', ...result.response });
        } catch {
          // A result of a shape not foreseen: the event records what was understood.
        }
        end();
        return result;
      }
      const reader = result.stream.getReader();
      // Reads as a TransformStream would (the AI SDK's own way for middleware), at most one part ahead of the
      // consumer (highWaterMark 1), so the model's backpressure holds; but one stream instead of two, and while
      // the consumer keeps reading, one pull() for the whole stream rather than a pull() round trip a part.
      const stream = new ReadableStream(
        {
          async pull(controller) {
            try {
              do {
                const next = await reader.read();
                // Done with no finish part (nor error part): the provider's stream ended without its completion
                // signal, and the output may be cut short.
                if (next.done) return (seen.finishReason ??= 'interrupted'), end(), controller.close();
                observe(next.value);
                controller.enqueue(next.value);
              } while (controller.desiredSize! > 0);
            } catch (error) {
              // The model's stream failed. (After a cancel, the read pending here ends done, and close() throws
              // into a stream already closed, the call already recorded: end() does nothing, and no one sees it.)
              end(error);
              throw error;
            }
          },
          cancel(reason) {
            // Cancelled is aborted, whatever the reason given (the client went away, a break, a signal).
            end(reason, 'aborted');
            return reader.cancel(reason);
          },
        },
        // The default strategy: highWaterMark 1.
      );
      return { ...result, stream };
    };

  return {
    specificationVersion: (options.specificationVersion ?? 'v4') as V,
    // The SDK calls this for each call, before the wrap (ai@6 and ai@7 alike): each call its own params, so that two
    // calls at once with the same params are two calls, each recorded. But params a wrap above marked with this log
    // go on as they are, and this wrap leaves the call to it: a model wrapped twice records each call once, and
    // with another log, each log records it. (`?? 0`: with a log missing, always the call's own, recorded, and its
    // failure reported through onError.)
    transformParams: async ({ params }) => ((kept.get(params) ?? 0) === options.log ? params : { ...params }),
    wrapGenerate: wrap(false),
    wrapStream: wrap(true),
  } as AegisLogMiddleware<V>;
}
