/**
 * LangChain.js: `aegislogCallbacks({ log })` is a callback handler, a plain object of LangChain's callback methods,
 * given where LangChain takes callbacks (`new ChatOpenAI({ callbacks: [handler] })`, `model.invoke(input, {
 * callbacks: [handler] })`, a chain's or an agent's config, which hands it to every model run inside). It records
 * one event per model run, chat model or text LLM, whatever the provider package: started by `handleChatModelStart`
 * or `handleLLMStart`, ended by `handleLLMEnd` or `handleLLMError`, keyed by LangChain's `runId`. Chains, tools and
 * retrievers are not model calls: not recorded. Nothing of `@langchain/core` is imported: the plain object has a
 * `name`, so LangChain calls it as it is.
 */
import type { RecordOptions } from '../client/event.js';
import type { AiCall, AiOptions } from './options.js';
import { finishOf, outcomeOf } from './finish.js';
import { check, recorder, reporter, stopwatch, textChars, track, UNREPORTED } from './record.js';

/** What the handler reads of a run's serialized model (`llm.toJSON()`): its class path and constructor fields. */
export interface SerializedLike {
  id?: readonly string[];
  kwargs?: Record<string, unknown>;
}

/** What the handler reads of `handleLLMEnd`'s output (LangChain's `LLMResult`). */
export interface LLMResultLike {
  generations?: readonly (readonly { text?: string; message?: unknown; generationInfo?: Record<string, unknown> }[])[];
  llmOutput?: Record<string, any>;
}

/**
 * The handler: LangChain's callback methods for model runs. `awaitHandlers: true`, so that LangChain runs them
 * before the model call returns, not later in its background queue: the event is recorded (or being prepared,
 * for `aiFlush` to wait for) once `invoke()` resolves. They do no I/O (the log queues the event), so the call waits
 * microseconds for them. The `ignore*` flags keep LangChain from calling the handler for chain, agent, retriever and
 * custom events, which are not model calls.
 */
export interface AegisLogCallbacks {
  /**
   * The handler's name, its own (`aegislog-1`, `aegislog-2`…): LangChain uses an object that has one as it is. One
   * without, it makes a handler of on every call (`BaseCallbackHandler.fromMethods`: a class, an instance, a UUID),
   * which cost about 25 µs a call, more than the rest of the recording.
   */
  readonly name: string;
  readonly awaitHandlers: true;
  readonly ignoreChain: true;
  readonly ignoreAgent: true;
  readonly ignoreRetriever: true;
  readonly ignoreCustomEvent: true;
  handleChatModelStart(llm: SerializedLike, messages: unknown[][], runId: string, parentRunId?: string, extraParams?: Record<string, unknown>, tags?: string[], metadata?: Record<string, unknown>, runName?: string): void;
  handleLLMStart(llm: SerializedLike, prompts: string[], runId: string, parentRunId?: string, extraParams?: Record<string, unknown>, tags?: string[], metadata?: Record<string, unknown>, runName?: string): void;
  handleLLMNewToken(token: string, idx: unknown, runId: string, parentRunId?: string, tags?: string[], fields?: { chunk?: unknown }): void;
  handleLLMEnd(output: LLMResultLike, runId: string, parentRunId?: string, tags?: string[], extraParams?: Record<string, unknown>): void;
  handleLLMError(error: unknown, runId: string, parentRunId?: string, tags?: string[], extraParams?: Record<string, unknown>): void;
}

/**
 * Model runs started and not yet ended, at most this many per log (the handlers of that log together); beyond, the
 * oldest is recorded as it stands. LangChain ends every run it starts (end or error), but one: a `.stream()` the
 * app leaves before its end (a `break`), whose generator is simply dropped.
 */
const OPEN_RUNS = 1000;

/** An open run, as the handler that started it keeps it: its tokens, its end (answered, failed or aborted). */
interface Run {
  token: (text: unknown, chunk: unknown) => void;
  end: (fill: Partial<AiCall>) => void;
  fail: (error: unknown) => void;
}

/**
 * Open runs by log (by run id): shared by the handlers of one log, so that a run two of them are given (one on the
 * model, another on the call) is recorded once on that log, by the handler it reached first. The same handler object
 * given twice, LangChain calls once.
 */
const open = new WeakMap<object, Map<string, Run>>();

/** Handlers made so far, for their names: LangChain tells some handlers apart by name (its tracer, its console's). */
let handlers = 0;

/**
 * A LangChain callback handler that records one event per model run it is given (`callbacks: [handler]` on a model,
 * a call or a chain). Per call, `metadata: { aegislog: { session_context, … } }` adds record options (by wire name)
 * to the event of each model run of that call.
 */
export function aegislogCallbacks(options: AiOptions): AegisLogCallbacks {
  check(options);
  const record = recorder(options);
  const runs = open.get(options.log) ?? new Map<string, Run>();
  open.set(options.log, runs);
  /** A failure of the handler itself (what LangChain gave it was not what it reads): reported, never thrown into LangChain. */
  const report = reporter(options, options.eventType ?? 'model_inference');

  const start = (chat: boolean, llm: SerializedLike | undefined, input: unknown, runId: string, parentRunId: string | undefined, extraParams: Record<string, any> | undefined, metadata: Record<string, any> | undefined) => {
    if (runs.has(runId)) return; // another handler of this log records it
    if (runs.size >= OPEN_RUNS) runs.get(runs.keys().next().value!)!.end({ outcome: 'aborted' });
    const done = track(options);
    const elapsed = stopwatch();
    const invocation = extraParams?.invocation_params;
    // The options of the call: its abort signal (`invoke(input, { signal })`, a `timeout`'s).
    const signal: AbortSignal | undefined = extraParams?.options?.signal;
    /** What the tokens said: the text so far, when the first and the last came. */
    const seen: { text?: string; timeToFirstTokenMs?: number; last?: number } = {};
    let tokens = false;
    const run: Run = {
      token(text, chunk) {
        tokens = true;
        seen.last = elapsed();
        if (typeof text === 'string') seen.text = (seen.text ?? '') + text;
        // The first generated text or tool-call chunk (OpenAI's first chunk carries the role and no text).
        if (text || (chunk as any)?.message?.tool_call_chunks?.length) seen.timeToFirstTokenMs ??= seen.last;
      },
      end(fill) {
        if (runs.get(runId) !== run) return;
        runs.delete(runId);
        signal?.removeEventListener?.('abort', onAbort);
        const latencyMs = fill.outcome === 'aborted' && !fill.error ? (seen.last ?? elapsed()) : elapsed();
        record(() => {
          const given = chat ? plainMessages(input as unknown[]) : input;
          return {
            integration: 'langchain',
            operation: chat ? 'chat' : 'llm',
            // Tokens came (`.stream()`), or the call asked for a stream; a cached answer's one token is none.
            streamed: (tokens && !fill.extra?.cached) || invocation?.stream === true,
            provider: metadata?.ls_provider ?? (typeof llm?.id?.[2] === 'string' ? llm.id[2] : undefined),
            modelId: String(metadata?.ls_model_name ?? invocation?.model ?? invocation?.model_name ?? llm?.kwargs?.model ?? llm?.kwargs?.model_name ?? UNREPORTED),
            outcome: 'ok',
            latencyMs,
            input: given,
            inputChars: textChars(given),
            // The text streamed so far, for a run that ended without its answer.
            output: seen.text || undefined,
            timeToFirstTokenMs: seen.timeToFirstTokenMs,
            request: invocation,
            carried: metadata?.aegislog as RecordOptions | undefined,
            ...fill,
            extra: { run_id: runId, parent_run_id: parentRunId, ...fill.extra },
          };
        }, done);
      },
      // The run's own signal tells an abort (LangChain gives handleLLMError none), whatever the error's name.
      fail: (error) => run.end({ outcome: outcomeOf(error, 'error', signal), error }),
    };
    /**
     * An abort ends the run: LangChain reports none for a stream aborted while the app reads it (its generator waits,
     * suspended, for a next read that never comes). Before the answer, LangChain's error comes after this, and finds
     * the run ended.
     */
    const onAbort = () => run.end({ outcome: 'aborted', error: signal!.reason });
    signal?.addEventListener?.('abort', onAbort);
    runs.set(runId, run);
  };

  const guard =
    <A extends unknown[]>(method: (...args: A) => void) =>
    (...args: A): void => {
      try {
        method(...args);
      } catch (error) {
        report(error);
      }
    };

  return {
    name: `aegislog-${++handlers}`,
    awaitHandlers: true,
    ignoreChain: true,
    ignoreAgent: true,
    ignoreRetriever: true,
    ignoreCustomEvent: true,
    // One message list per run (LangChain starts a run per list of a batch): copied, as the app may add to it.
    handleChatModelStart: guard((llm, messages, runId, parentRunId, extraParams, _tags, metadata) => start(true, llm, [...(messages?.[0] ?? [])], runId, parentRunId, extraParams, metadata)),
    handleLLMStart: guard((llm, prompts, runId, parentRunId, extraParams, _tags, metadata) => start(false, llm, prompts?.[0], runId, parentRunId, extraParams, metadata)),
    handleLLMNewToken: guard((token, _idx, runId, _parentRunId, _tags, fields) => runs.get(runId)?.token(token, fields?.chunk)),
    // The answer is read as LangChain reports it, before the app is given it.
    handleLLMEnd: guard((output, runId, _parentRunId, _tags, extraParams) => runs.get(runId)?.end(answerOf(output, extraParams?.cached === true))),
    handleLLMError: guard((error, runId) => runs.get(runId)?.fail(error)),
  } as AegisLogCallbacks;
}

/**
 * What the run's answer says: the first generation (a run has one list of them; `n` > 1 makes more, of which the
 * first stands for the answer, as `output_digest` covers one text): its text, the message's `usage_metadata` (or the
 * run's `llmOutput.tokenUsage`, a text LLM's), its `response_metadata` (model, finish reason), its tool calls.
 */
function answerOf(output: LLMResultLike | undefined, cached: boolean): Partial<AiCall> {
  const generation = output?.generations?.[0]?.[0];
  const message = generation?.message as Record<string, any> | undefined;
  // The message's response metadata, else the generation's info (a text LLM's): read field by field, not merged (a
  // spread of the two took about 0.8 µs a call).
  const meta = message?.response_metadata;
  const info = generation?.generationInfo as Record<string, any> | undefined;
  const usage = message?.usage_metadata;
  const counted = output?.llmOutput?.tokenUsage;
  const toolCalls: string[] = [];
  for (const call of message?.tool_calls ?? []) if (typeof call?.name === 'string') toolCalls.push(call.name);
  const reason = finishOf(meta?.finish_reason ?? meta?.stop_reason ?? info?.finish_reason ?? info?.finishReason);
  const id = message?.id;
  return {
    outcome: 'ok',
    // An id LangChain made of the run's (`run-…`) is not the provider's.
    responseId: typeof id === 'string' && !id.startsWith('run-') ? id : undefined,
    responseModelId: meta?.model_name ?? meta?.model ?? info?.model_name ?? output?.llmOutput?.model_name,
    // A stop with tool calls is the AI SDK's `tool-calls` (Gemini's STOP), as wrapGoogleGenAI says it.
    finishReason: reason === 'stop' && toolCalls.length ? 'tool-calls' : reason,
    inputTokens: usage?.input_tokens ?? counted?.promptTokens,
    outputTokens: usage?.output_tokens ?? counted?.completionTokens,
    toolCalls,
    output: typeof generation?.text === 'string' && generation.text ? generation.text : undefined,
    extra: cached ? { cached: true } : undefined,
  };
}

/**
 * LangChain's messages (class instances, whose JSON is LangChain's serialisation) as plain data: `{ role, content }`
 * in OpenAI's role words (`human` → `user`, `ai` → `assistant`; a ChatMessage's own role; others by their type), an
 * AI message's `tool_calls` (`{ id, name, args }`, when it made some) and a tool message's `tool_call_id`. What
 * `input_digest` covers: text-only chat messages digest as the same messages given to wrapOpenAI do.
 */
function plainMessages(messages: unknown[]): unknown[] {
  return messages.map((m: any) => {
    const type = m?.type ?? m?._getType?.();
    const role = type === 'human' ? 'user' : type === 'ai' ? 'assistant' : type === 'generic' ? m.role : type;
    const calls = type === 'ai' && m.tool_calls?.length ? m.tool_calls.map(({ id, name, args }: any) => ({ id, name, args })) : undefined;
    return { role, content: m?.content, tool_calls: calls, tool_call_id: type === 'tool' ? m.tool_call_id : undefined };
  });
}
