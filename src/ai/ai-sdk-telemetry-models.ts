/**
 * The AI SDK's other model calls, as its telemetry (ai@7) reports them to `aegislogTelemetry`: each `doEmbed` of
 * `embed` and `embedMany` (one per chunk of values), each `rerank`, `transcribe`, `experimental_streamTranscribe`,
 * `generateSpeech` and `experimental_decide`. A RAG app's retrieval and ranking, what a voice app heard and said,
 * and a decision model's answers are model calls as much as its chat model's. Their events have the language-model
 * calls' shape (integration `ai-sdk-telemetry`, the SDK's operation: `ai.embed`…), the model's `model_type`, and
 * what the other integrations record of such models: embeddings.ts's vector count and dimensions, cohere.ts's
 * rerank result count, openai.ts's audio bytes, decisions.ts's answers.
 */
import { decisionInputChars, decisionsByName } from './decisions.js';
import { vectorsSummary } from './embeddings.js';
import { outcomeOf } from './finish.js';
import type { AiCall, AiOptions } from './options.js';
import { stopwatch, textChars, track, type Done } from './record.js';

/** `model_context.model_type` by the SDK's operation, unless the options pin one; a language model's is `llm`. */
export const MODEL_TYPES: Record<string, string> = {
  'ai.embed': 'embedding',
  'ai.embedMany': 'embedding',
  'ai.rerank': 'reranker',
  'ai.transcribe': 'speech-to-text',
  'ai.streamTranscribe': 'speech-to-text',
  'ai.generateSpeech': 'text-to-speech',
  'ai.decide': 'classifier',
};

/** What `aegislogTelemetry` reads of the SDK's events of these calls and of their operations: each has some of it. */
export interface TelemetryEvent {
  /** The SDK's id of the operation (`embed`, `rerank`…): its start, its model calls and its end share it. */
  callId: string;
  /** `ai.embed`, `ai.embedMany.doEmbed`, `ai.rerank`, `ai.transcribe`… */
  operationId?: string;
  provider?: string;
  modelId?: string;
  /** The app's `telemetry.recordInputs`: false, the SDK empties the inputs integrations see. */
  recordInputs?: boolean | undefined;
  /** The app's `telemetry.recordOutputs`: false, the SDK empties the outputs integrations see. */
  recordOutputs?: boolean | undefined;
  /** The app's `telemetry.functionId`: which of its functions made the call, recorded as `function_id`. */
  functionId?: unknown;
  // The rest have a shape of their own in each kind of event, and are read as unknown.
  /** A `doEmbed`'s own id (one per chunk of `embedMany`, one per attempt). */
  embedCallId?: unknown;
  /** The values one `doEmbed` embeds (a chunk's). */
  values?: unknown;
  /** The vectors one `doEmbed` answered. */
  embeddings?: unknown;
  /** A `doEmbed`'s `{ tokens }`; a decision's `{ inputTokens, outputTokens }`. */
  usage?: unknown;
  /** A rerank's query. */
  query?: unknown;
  /** A rerank's documents, strings or objects. */
  documents?: unknown;
  /** A rerank's answer: `{ index, relevanceScore }` in the model's order. */
  ranking?: unknown;
  /** A transcription's audio in (a streamed one's size at its end), a speech's audio out: `{ byteLength, mediaType }`, never the bytes. */
  audio?: unknown;
  /** A speech's text in, a transcription's text out. */
  text?: unknown;
  /** A decision's input: text, JSON and file parts. */
  state?: unknown;
  /** A decision's questions, by id. */
  questions?: unknown;
  /** A decision's answers, by question id. */
  answers?: unknown;
  /** An operation's end: the response (a list of them for `embedMany`), with its `id`, `modelId` or `body`. */
  response?: unknown;
}

/** A model call begun and not yet recorded. */
interface Call {
  elapsed: () => number;
  done: Done;
  /** What its start said. */
  call: Partial<AiCall>;
  /** The values array of a `doEmbed` (a retry of its chunk gives the same array), to tell a retry from a chunk. */
  values?: unknown;
  /** What the answer said, and when it came: the call is recorded at the operation's end, with its response. */
  answer?: Partial<AiCall>;
  latencyMs?: number;
  functionId?: string;
}

type Recorder = (call: () => AiCall, done: Done) => void;

/** The handlers `aegislogTelemetry` gives these calls' events, and those it passes the operations' start and end. */
export function modelCalls(options: AiOptions, record: Recorder) {
  /** The calls not yet recorded of each operation, by the SDK's `callId`: a `doEmbed` by its `embedCallId`. */
  const operations = new Map<string, Map<string, Call>>();

  const begin = (event: TelemetryEvent, key: string, known: Partial<AiCall>, values?: unknown) => {
    const calls = operations.get(event.callId) ?? operations.set(event.callId, new Map()).get(event.callId)!;
    calls.set(key, {
      elapsed: stopwatch(),
      done: track(options),
      values,
      functionId: functionIdOf(event),
      call: {
        integration: 'ai-sdk-telemetry',
        operation: String(event.operationId).replace(/\.do(Embed|Rerank|Decide)$/, ''),
        streamed: false,
        provider: event.provider,
        modelId: String(event.modelId),
        outcome: 'ok',
        request: event,
        // With the app's recordInputs false the SDK empties the input: its digest would be every call's. Said so.
        ...(event.recordInputs === false && 'input' in known ? { extra: { withheld: ['input'] } } : known),
      },
    });
  };
  /** What an end says of the answer, or with the app's recordOutputs false (the SDK emptied it), that it was withheld. */
  const answerOf = (event: TelemetryEvent, key: string, said: Partial<AiCall>): Partial<AiCall> => {
    if (event.recordOutputs !== false) return said;
    const withheld = operations.get(event.callId)?.get(key)?.call.extra?.withheld as string[] | undefined;
    return { extra: { withheld: [...(withheld ?? []), 'output'] } };
  };
  /** A transcription's text heard (none when empty), or withheld. */
  const transcript = (event: TelemetryEvent) => answerOf(event, 'audio', { output: typeof event.text === 'string' && event.text ? event.text : undefined });
  /**
   * A model call answered: its latency stops here, and it is recorded at the operation's end, which carries the
   * response (its id, and the model that answered).
   */
  const answered = (event: TelemetryEvent, key: string, answer: Partial<AiCall>) => {
    const begun = operations.get(event.callId)?.get(key);
    if (!begun) return;
    begun.latencyMs = begun.elapsed();
    begun.answer = answer;
  };
  const finish = (callId: string, key: string, fill: Partial<AiCall>) => {
    const calls = operations.get(callId);
    const begun = calls?.get(key);
    if (!begun) return;
    calls!.delete(key);
    const latencyMs = begun.latencyMs ?? begun.elapsed();
    const extra = { ...begun.call.extra, ...fill.extra, function_id: begun.functionId };
    record(() => ({ ...(begun.call as AiCall), latencyMs, ...fill, extra }), begun.done);
  };
  /**
   * An operation's end or failure: a call that answered is recorded with `fill` (the response); one still open with
   * `failure`: an attempt that failed (the SDK reports no end for an attempt it retries), or the call the operation
   * failed on (or a chunk still under way beside it: embedMany fails at its first failed chunk).
   */
  const close = (callId: string, fill: Partial<AiCall>, failure: Partial<AiCall>) => {
    for (const [key, begun] of operations.get(callId) ?? []) finish(callId, key, begun.answer ? { ...begun.answer, ...fill } : failure);
    operations.delete(callId);
  };

  return {
    onEmbedStart(event: TelemetryEvent) {
      // A retry of an attempt that failed (the SDK reports no end for it): embed's one call, or the embedMany chunk
      // of that array (the SDK retries a chunk with its own array; not when it emptied the values).
      const single = event.operationId === 'ai.embed.doEmbed';
      for (const [key, begun] of operations.get(event.callId) ?? []) {
        if (!begun.answer && (single || (begun.values !== undefined && begun.values === event.values))) finish(event.callId, key, { outcome: 'error' });
      }
      const values = event.values;
      begin(event, String(event.embedCallId), { input: values, inputChars: textChars(values) }, values);
    },
    onEmbedEnd(event: TelemetryEvent) {
      const tokens = (event.usage as { tokens?: unknown } | undefined)?.tokens;
      const key = String(event.embedCallId);
      const counted = { inputTokens: tokenCount(tokens) };
      answered(event, key, { ...counted, ...answerOf(event, key, { extra: vectorsSummary(event.embeddings) }) });
    },
    onRerankStart(event: TelemetryEvent) {
      // A rerank still open is an attempt that failed, being retried: there is one rerank a call.
      close(event.callId, {}, { outcome: 'error' });
      const documents = Array.isArray(event.documents) ? event.documents : [];
      begin(event, 'rerank', { input: { query: event.query, documents }, inputChars: textChars([event.query, ...documents]) });
    },
    onRerankEnd(event: TelemetryEvent) {
      const count = Array.isArray(event.ranking) ? event.ranking.length : undefined;
      answered(event, 'rerank', answerOf(event, 'rerank', { extra: { rerank_result_count: count } }));
    },
    /** `experimental_decide`'s model call (one, its retries within it), its state and questions: what it was asked. */
    onDecisionModelCallStart(event: TelemetryEvent) {
      begin(event, 'decide', { input: { state: event.state, questions: event.questions }, inputChars: decisionInputChars(event.state, event.questions) });
    },
    /** Its answers: recorded at the operation's end (`experimental_onDecideEnd`), with the model the response names. A refusal ends in onError. */
    onDecisionModelCallEnd(event: TelemetryEvent) {
      const usage = event.usage as { inputTokens?: unknown; outputTokens?: unknown } | undefined;
      const tokens = { inputTokens: tokenCount(usage?.inputTokens), outputTokens: tokenCount(usage?.outputTokens) };
      answered(event, 'decide', { ...tokens, ...answerOf(event, 'decide', { extra: decisionsByName(event.questions, event.answers) }) });
    },
    /** A streamed transcription: its audio's size is known at its end, which no operation end follows. */
    onStreamTranscriptionStart(event: TelemetryEvent) {
      begin(event, 'audio', { streamed: true });
    },
    onStreamTranscriptionEnd(event: TelemetryEvent) {
      const said = transcript(event);
      answered(event, 'audio', { ...said, extra: { input_bytes: bytesOf(event.audio), ...said.extra } });
      close(event.callId, responseFill(event.response), { outcome: 'error' });
    },
    /** An operation starting: a transcription or a speech is one model call, from here to the operation's end. */
    onStart(event: TelemetryEvent) {
      if (event.operationId === 'ai.transcribe') begin(event, 'audio', { extra: { input_bytes: bytesOf(event.audio) } });
      else if (event.operationId === 'ai.generateSpeech') begin(event, 'audio', { input: event.text, inputChars: textChars(event.text) });
    },
    onEnd(event: TelemetryEvent) {
      if (!operations.has(event.callId)) return;
      // The audio's size is no content: the SDK gives it whatever recordInputs and recordOutputs say.
      if (event.operationId === 'ai.transcribe') answered(event, 'audio', transcript(event));
      else if (event.operationId === 'ai.generateSpeech') answered(event, 'audio', { extra: { output_bytes: bytesOf(event.audio) } });
      close(event.callId, responseFill(event.response), { outcome: 'error' });
    },
    onError(event: { callId?: unknown; error?: unknown }) {
      if (typeof event.callId !== 'string') return;
      // A decision with a refused question: the SDK throws its DecisionRefusalError and reports no answers, but the
      // error names the questions refused; counted as decisions.ts counts refusals, so both integrations' show.
      const refused = (event.error as { questionIds?: unknown } | null)?.questionIds;
      const extra = Array.isArray(refused) ? { decision_refusals: refused.length } : undefined;
      close(event.callId, {}, { outcome: outcomeOf(event.error, 'error'), error: event.error, extra });
    },
  };
}

/**
 * What an operation's end says of its model calls' responses (a list for embedMany): the id, and the model they name
 * (a rerank's, transcription's or speech's `modelId`; an embedding's in its body, as OpenAI's). Named by all, or left out.
 */
function responseFill(response: unknown): Partial<AiCall> {
  const responses = (Array.isArray(response) ? response : [response]) as ({ id?: unknown; modelId?: unknown; body?: { model?: unknown } } | undefined)[];
  const models = new Set(responses.map((r) => r?.modelId ?? r?.body?.model));
  const [model] = models;
  const [{ id } = {}] = responses;
  return {
    responseId: responses.length === 1 && typeof id === 'string' && id ? id : undefined,
    responseModelId: models.size === 1 && typeof model === 'string' ? model : undefined,
  };
}

/** A token count the SDK reported: it puts NaN when the provider reported none. */
export const tokenCount = (n: unknown): number | undefined => (typeof n === 'number' && Number.isFinite(n) ? n : undefined);

/** The `byteLength` the SDK reports of an audio file it was given or made. */
function bytesOf(audio: unknown): number | undefined {
  const bytes = (audio as { byteLength?: unknown } | undefined)?.byteLength;
  return typeof bytes === 'number' ? bytes : undefined;
}

/**
 * The app's `telemetry.functionId` (the AI SDK's name for the function of the app that made a call, which its
 * OpenTelemetry integration writes as `ai.telemetry.functionId`), as `function_id`: the feature the call served.
 */
export function functionIdOf(event: { functionId?: unknown }): string | undefined {
  return typeof event.functionId === 'string' && event.functionId ? event.functionId : undefined;
}
