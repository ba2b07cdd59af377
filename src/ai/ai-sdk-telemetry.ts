/**
 * The AI SDK's telemetry integration (ai@7): `registerTelemetry(
 * aegislogTelemetry({ log }))` records one event per model call of every
 * `generateText`/`streamText`/`generateObject`… in the process, with no model
 * wrapped, and of every `embed`, `embedMany`, `rerank`, `transcribe`, `generateSpeech` and `experimental_decide`
 * (ai-sdk-telemetry-models.ts).
 * It listens to the SDK's model-call lifecycle (start, end, error,
 * abort); the types are structural, so nothing of `ai` is loaded here. A call that starts with a person's
 * approvals or denials of tool calls records one event per decision too (tool-approval.ts).
 */
import type { AiCall, AiOptions } from './options.js';
import { outcomeOf } from './finish.js';
import { check, recorder, round, stopwatch, textChars, track, type Done } from './record.js';
import { approvalRecorder } from './tool-approval.js';
import { addImages } from './images.js';
import { functionIdOf, modelCalls, MODEL_TYPES, tokenCount, type TelemetryEvent } from './ai-sdk-telemetry-models.js';
import { modelTyped } from './embeddings.js';

/** What the telemetry integration reads when a model call starts. */
export interface CallStart {
  callId: string;
  provider: string;
  modelId: string;
  instructions?: unknown;
  messages?: unknown;
  /** The app's `telemetry.recordInputs` (false: the SDK hands integrations no prompt). */
  recordInputs?: boolean | undefined;
  /** The app's `telemetry.recordOutputs` (false: the SDK hands integrations no content). */
  recordOutputs?: boolean | undefined;
  /** The app's `telemetry.functionId`: which of its functions made the call (`function_id`). */
  functionId?: string | undefined;
}

/** What the telemetry integration reads when a model call ends. */
export interface CallEnd {
  callId: string;
  modelId: string;
  finishReason: string;
  usage: { inputTokens?: number | undefined; outputTokens?: number | undefined };
  content: readonly { type: string; text?: string; toolName?: string; file?: { mediaType?: string; uint8Array?: Uint8Array } }[];
  responseId?: string;
  performance?: { timeToFirstOutputMs?: number | undefined };
}

/** What the telemetry integration reads when `generateObject`/`streamObject` starts its model call. */
export interface ObjectStepStart {
  callId: string;
  provider: string;
  modelId: string;
  /** The prompt as the model is given it (system message included). */
  promptMessages?: unknown;
  /** As `CallStart`'s: the app's `telemetry.recordInputs`. */
  recordInputs?: boolean | undefined;
  /** As `CallStart`'s: the app's `telemetry.recordOutputs`. */
  recordOutputs?: boolean | undefined;
  /** As `CallStart`'s: the app's `telemetry.functionId`. */
  functionId?: string | undefined;
}

/** What the telemetry integration reads when `generateObject`/`streamObject` has its model's answer. */
export interface ObjectStepEnd {
  callId: string;
  finishReason: string;
  usage?: { inputTokens?: number | undefined; outputTokens?: number | undefined } | undefined;
  objectText?: string | undefined;
  msToFirstChunk?: number | undefined;
  response?: { id?: string | undefined; modelId?: string | undefined } | undefined;
}

/** A `Telemetry` integration of ai@7 (the methods it implements). */
export interface AegisLogTelemetry {
  /**
   * A `generateText`/`streamText` call starting: its messages (with the app's approvals and denials of tool calls,
   * recorded here) and its `providerOptions` (`aegislog`: the contexts of those events).
   */
  onStart(event: TelemetryEvent & { messages?: unknown; providerOptions?: unknown }): void;
  /** An operation's end: what a model call left open ends with it (see `onRerankStart`). */
  onEnd(event: TelemetryEvent): void;
  onLanguageModelCallStart(event: CallStart): void;
  onLanguageModelCallEnd(event: CallEnd): void;
  /** `generateObject` and `streamObject` report their one model call as an object step, not a model call. */
  onObjectStepStart(event: ObjectStepStart): void;
  onObjectStepEnd(event: ObjectStepEnd): void;
  /** Each `doEmbed` of `embed` and `embedMany` starting (one per chunk of values, one per attempt). */
  onEmbedStart(event: TelemetryEvent): void;
  /** A `doEmbed` answered: recorded at the operation's end, which carries the response (the model it names). */
  onEmbedEnd(event: TelemetryEvent): void;
  /** The `doRerank` of `rerank` starting (one per attempt). */
  onRerankStart(event: TelemetryEvent): void;
  /** The `doRerank` answered: recorded at the operation's end, which carries the response's id and model. */
  onRerankEnd(event: TelemetryEvent): void;
  /** `experimental_decide`'s model call starting (its retries within it). */
  experimental_onDecisionModelCallStart(event: TelemetryEvent): void;
  /** Its answers, validated: recorded at the operation's end. A refused question fails the call (`onError`). */
  experimental_onDecisionModelCallEnd(event: TelemetryEvent): void;
  /** `experimental_decide`'s end (not `onEnd`'s): the response, with the model that answered. */
  experimental_onDecideEnd(event: TelemetryEvent): void;
  /** `experimental_streamTranscribe` starting. */
  experimental_onStreamTranscriptionStart(event: TelemetryEvent): void;
  /** Its transcript, and the size of the audio streamed: recorded here, as no operation end follows. */
  experimental_onStreamTranscriptionEnd(event: TelemetryEvent): void;
  onError(event: unknown): void;
  onAbort(event: { callId: string; reason?: unknown }): void;
}

/** Calls aborted before their model call started, kept until it starts (see `aborted`). */
const MAX_ABORTED = 1000;

export function aegislogTelemetry(options: AiOptions): AegisLogTelemetry {
  check(options);
  // One recorder for all calls, so that events keep the order their calls ended in: an embedding model's, a
  // reranker's… with their own model_type.
  const record = recorder(modelTyped(options, (call) => MODEL_TYPES[call.operation]));
  const approvals = approvalRecorder(options);
  const models = modelCalls(options, record);
  /** The model call open for each SDK call: a call's steps run one model call at a time. */
  const open = new Map<string, { elapsed: () => number; done: Done; event: CallStart }>();
  /** The SDK operation of each call (`ai.streamText`, …), from its start to its end. */
  const operations = new Map<string, string>();
  /**
   * Calls aborted with no model call open (a signal aborted already: the SDK reports the abort before the model call
   * starts), with the reason. Bounded: an abort between two steps is followed by no model call, and maybe no end.
   */
  const aborted = new Map<string, unknown>();
  const finish = (callId: unknown, fill: Partial<AiCall>) => {
    const begun = typeof callId === 'string' ? open.get(callId) : undefined;
    if (!begun) return;
    open.delete(callId as string);
    const { elapsed, done, event } = begun;
    const operation = operations.get(event.callId) ?? 'ai.unknown';
    // With the app's recordInputs or recordOutputs false, the SDK empties what integrations see: a digest of it
    // would be the same for every call, and no text would read as an answer with none. Left out, and said so.
    const withheld = [event.recordInputs === false && 'input', event.recordOutputs === false && 'output'].filter((w): w is string => !!w);
    const hidden = (what: string) => withheld.includes(what);
    record(
      () => ({
        integration: 'ai-sdk-telemetry',
        operation,
        streamed: /^ai\.stream/.test(operation),
        provider: event.provider,
        modelId: event.modelId,
        outcome: 'ok',
        latencyMs: elapsed(),
        ...(hidden('input') ? {} : { input: { instructions: event.instructions, messages: event.messages }, inputChars: textChars(event.messages) + textChars(event.instructions) }),
        request: event,
        ...fill,
        ...(hidden('output') ? { output: undefined, toolCalls: undefined, images: undefined } : {}),
        extra: { ...(hidden('output') ? {} : fill.extra), ...(withheld.length ? { withheld } : {}), function_id: functionIdOf(event) },
      }),
      done,
    );
  };
  const start = (event: CallStart) => {
    // A model call still open here is an attempt that failed and is being retried (streamText does so):
    // the SDK tells nothing more of it, so it ends here, its latency including the wait before the retry.
    finish(event.callId, { outcome: 'error' });
    open.set(event.callId, { elapsed: stopwatch(), done: track(options), event });
    if (aborted.has(event.callId)) {
      // The model may not heed the signal, and the SDK tells nothing more of this call.
      finish(event.callId, { outcome: 'aborted', error: aborted.get(event.callId) });
      forget(event.callId);
    }
  };
  const forget = (callId: string) => {
    operations.delete(callId);
    aborted.delete(callId);
  };
  return {
    onStart(event) {
      if (event.operationId) operations.set(event.callId, event.operationId);
      // The SDK acts on them next (runs the approved tools, tells the model of the denied ones): one event per decision.
      approvals(event);
      models.onStart(event);
    },
    onEnd(event) {
      // A model call still open here never had its end: its stream ended with no finish part. After an error part
      // the SDK's finish reason is `error` (the call failed); else it says `other`, its placeholder, for a stream that
      // ended without its completion signal: `interrupted`, as the middleware records it.
      const { callId, finishReason, content } = event as { callId: string; finishReason?: unknown; content?: CallEnd['content'] };
      if (open.has(callId)) {
        const reason = typeof finishReason === 'string' && finishReason !== 'error' ? 'interrupted' : 'error';
        // The operation's end carries its last step, which is that call: its text and tools.
        const seen = summary(content);
        finish(callId, { ...seen, outcome: outcomeOf(seen.error, reason), finishReason: reason });
      }
      forget(callId);
      models.onEnd(event);
    },
    onLanguageModelCallStart: start,
    onLanguageModelCallEnd(event) {
      const ttft = event.performance?.timeToFirstOutputMs;
      const { error, ...content } = summary(event.content);
      // A stream that failed with an error part ends with finish reason 'error': the call failed.
      finish(event.callId, {
        outcome: outcomeOf(error, event.finishReason),
        error,
        responseModelId: event.modelId,
        responseId: event.responseId || undefined,
        finishReason: event.finishReason,
        inputTokens: event.usage?.inputTokens,
        outputTokens: event.usage?.outputTokens,
        timeToFirstTokenMs: ttft === undefined ? undefined : round(ttft),
        ...content,
      });
    },
    onObjectStepStart(event) {
      start({ callId: event.callId, provider: event.provider, modelId: event.modelId, messages: event.promptMessages, recordInputs: event.recordInputs, recordOutputs: event.recordOutputs, functionId: event.functionId });
    },
    onObjectStepEnd(event) {
      finish(event.callId, {
        outcome: outcomeOf(undefined, event.finishReason),
        responseModelId: event.response?.modelId,
        responseId: event.response?.id || undefined,
        finishReason: event.finishReason,
        inputTokens: tokenCount(event.usage?.inputTokens),
        outputTokens: tokenCount(event.usage?.outputTokens),
        timeToFirstTokenMs: event.msToFirstChunk === undefined ? undefined : round(event.msToFirstChunk),
        output: event.objectText || undefined,
      });
    },
    onError(event) {
      const { callId, error } = (event ?? {}) as { callId?: unknown; error?: unknown };
      // An AbortError is an abort (a provider heeding a signal aborted before the call, which the SDK reports so).
      finish(callId, { outcome: outcomeOf(error, 'error'), error });
      forget(callId as string);
      models.onError({ callId, error });
    },
    onEmbedStart: models.onEmbedStart,
    onEmbedEnd: models.onEmbedEnd,
    onRerankStart: models.onRerankStart,
    onRerankEnd: models.onRerankEnd,
    experimental_onDecisionModelCallStart: models.onDecisionModelCallStart,
    experimental_onDecisionModelCallEnd: models.onDecisionModelCallEnd,
    experimental_onDecideEnd: models.onEnd,
    experimental_onStreamTranscriptionStart: models.onStreamTranscriptionStart,
    experimental_onStreamTranscriptionEnd: models.onStreamTranscriptionEnd,
    onAbort(event) {
      // Before any model call started (a signal aborted already): the model call, when it starts, is aborted.
      if (!open.has(event.callId)) {
        aborted.set(event.callId, event.reason);
        if (aborted.size > MAX_ABORTED) forget(aborted.keys().next().value!);
        return;
      }
      finish(event.callId, { outcome: 'aborted', error: event.reason });
      forget(event.callId);
    },
  };
}

/**
 * The text (undefined when there is none: no output size or digest), the tools called, the images made (a Gemini
 * image model's, beside its text: counted and digested as images.ts says) and an error part of a call's content.
 */
function summary(content: CallEnd['content'] | undefined): Partial<AiCall> & { toolCalls: string[] } {
  const into: Partial<AiCall> & { toolCalls: string[] } = { toolCalls: [] };
  for (const part of content ?? []) {
    const file = part.file;
    if (part.type === 'text' && part.text) into.output = (into.output ?? '') + part.text;
    else if (part.type === 'tool-call' && typeof part.toolName === 'string') into.toolCalls.push(part.toolName);
    else if (part.type === 'error') into.error = (part as { error?: unknown }).error;
    // Its bytes read only when the digest needs them, after the call: the SDK decodes base64 as they are asked.
    else if (part.type === 'file' && file && /^image\//i.test(String(file.mediaType))) addImages(into, [{ toJSON: () => file.uint8Array }]);
  }
  return into;
}
