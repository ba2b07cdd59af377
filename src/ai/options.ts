import type { RecordOptions } from '../client/event.js';
import type { Receipt } from '../protocol/types.js';
import type {
  DataProvenance,
  HumanIntervention,
  ModelContext,
  PerformanceMetrics,
  PolicyContext,
  SessionContext,
} from '../schema/zod.js';
import type { DigestKey } from './digest.js';

/**
 * What the integrations need of a log: `AegisLog`'s `record()` (and
 * `recordSync()` with `sync: true`, `flush()` for `aiFlush`). A structural
 * type, as trace's `TraceLog` is, so that this entry does not load the client.
 */
export interface AiLog {
  record(eventType: string, payload?: Record<string, unknown>, options?: RecordOptions): string;
  recordSync?(eventType: string, payload?: Record<string, unknown>, options?: RecordOptions): Promise<Receipt>;
  /** `aiFlush` awaits what it returns: a promise, or anything else (a synchronous flush). */
  flush?(): unknown;
}

export type AiIntegration = 'ai-sdk' | 'ai-sdk-telemetry' | 'openai' | 'anthropic' | 'google-genai' | 'langchain' | 'opentelemetry' | 'mistral' | 'bedrock' | 'cohere';

/**
 * One finished model call as an integration saw it: what the event is built
 * from, and what the per-call option functions and `redact` are given.
 */
export interface AiCall {
  integration: AiIntegration;
  /**
   * `generate`/`stream` (AI SDK), `embed` (its embedding middleware), `generateImage` (its image middleware), `chat.completions`/`embeddings`/`moderations`/`decisions`/
   * `audio.transcriptions`/`images.generate`/`responses`… (OpenAI; `responses.retrieve`/`responses.cancel` for a background response's final state), `messages`/`beta.messages` (Anthropic), `models.generateContent`/`models.generateContentStream`/`models.embedContent` (Google Gen AI), `chat.complete`/`chat.stream`/`chat.parse`/`chat.parseStream`/`fim.complete`/`fim.stream`/`agents.complete`/`agents.stream`/`embeddings.create`/`classifiers.*` (Mistral), `chat`/`chatStream`/`embed`/`rerank` (Cohere), `converse`/`converseStream`/`invokeModel`/`invokeModelWithResponseStream` (Amazon Bedrock), `chat`/`llm` (LangChain: a chat model's run, a text LLM's), `gen_ai.operation.name` (OpenTelemetry; `embeddings` for an embedding span).
   */
  operation: string;
  streamed: boolean;
  /** The provider, as the SDK names it (`openai.chat`, `openai`, `anthropic`, `google`, `mistral`, `cohere`, `amazon-bedrock`, LangChain's `ls_provider`, `gen_ai.provider.name`). */
  provider?: string;
  /** The model id the call asked for. */
  modelId: string;
  /** The model id the provider says answered (OpenAI: the dated snapshot, such as `gpt-4o-2024-08-06`). */
  responseModelId?: string;
  responseId?: string;
  /**
   * `aborted`: the caller cancelled (an abort signal, fired during the call or before it began; a stream read no further);
   * `error`: the call threw, the stream failed, or the model finished with reason `error`.
   */
  outcome: 'ok' | 'error' | 'aborted';
  /** In the AI SDK's unified words: `stop`, `length`, `content-filter`, `tool-calls`, `error`, `interrupted`, `other`. */
  finishReason?: string;
  error?: unknown;
  /** From the call to its result; for a stream, to its end (or abort, or error). */
  latencyMs: number;
  /** Streams: from the call to the first generated text, reasoning or tool-call chunk. */
  timeToFirstTokenMs?: number;
  inputTokens?: number;
  outputTokens?: number;
  /** Names of the tools the model called. */
  toolCalls?: string[];
  /** What the model was given (digested; recorded only with `capture: 'full'`). */
  input?: unknown;
  /** Characters of text in `input`. */
  inputChars?: number;
  /**
   * The generated text, as far as it went, a refusal included (OpenAI's `refusal`, which stands in for content):
   * what `output_digest` covers. Absent when the call generated no text (an image model's call).
   */
  output?: string;
  /**
   * The images the call output (an image model's, or a Gemini answer's beside its text), for `image_digest`: in
   * answer order, each as bytes (a `Uint8Array`, or for a base64 answer an object whose `toJSON()` decodes them,
   * after the call and only if a digest needs them) or as its URL (a string).
   */
  images?: readonly unknown[];
  /** The SDK's own request: AI SDK call options, OpenAI params (a retrieve's query), LangChain's `invocation_params`, the OpenTelemetry span. */
  request?: unknown;
  /** Record options the call itself carried (AI SDK: `providerOptions.aegislog`; LangChain: `metadata.aegislog`). */
  carried?: RecordOptions;
  /** Trace id the call belongs to (OpenTelemetry: the span's). */
  traceId?: string;
  /** Payload fields particular to one integration (documented in docs/ai.md). */
  extra?: Record<string, unknown>;
}

/** A value, or a function computing it from the finished call. */
export type PerCall<T> = T | ((call: AiCall) => T | undefined);

/** One event as it will be recorded: `redact` sees it, and may change it or return `null` to record nothing. */
export interface AiEvent {
  eventType: string;
  payload: Record<string, unknown>;
  options: RecordOptions;
}

export interface AiOptions {
  log: AiLog;
  /** Default `"model_inference"`. */
  eventType?: string;
  /** `aegislogTelemetry`: the event type of a person's approval or denial of a tool call. Default `"tool_approval"`. */
  approvalEventType?: string;
  /**
   * `'digest'` (the default): sizes, token counts and, with a `digestKey`,
   * keyed digests of the input, the output text and the images out; never
   * their content. `'full'`: the input and output text themselves as well, and
   * the images' sizes (or URLs).
   */
  capture?: 'digest' | 'full';
  /**
   * The operator's key for `input_digest`/`output_digest`/`image_digest` (HMAC-SHA-256,
   * WebCrypto): an HMAC `CryptoKey`, raw bytes, or a string (its UTF-8
   * bytes). Without it no digest is recorded. See `aiDigest`.
   */
  digestKey?: DigestKey;
  /** Recorded as `digest_key_id`, so that digests made under a rotated key can be told apart. */
  digestKeyId?: string;
  /** Merged over what the call reports: pin `model_version` or `deployment_id` here. */
  model_context?: PerCall<Partial<ModelContext>>;
  trace_id?: PerCall<string>;
  policy_context?: PerCall<PolicyContext>;
  data_provenance?: PerCall<DataProvenance>;
  human_intervention?: PerCall<HumanIntervention>;
  session_context?: PerCall<SessionContext>;
  /** Merged under the measured latency and token counts; its `anomaly_flags` join the derived ones. */
  performance_metrics?: PerCall<PerformanceMetrics>;
  /** Sees every event before it is recorded; returns it (changed or not), or `null` to record nothing. */
  redact?: (event: AiEvent, call: AiCall) => AiEvent | null | undefined | void;
  /**
   * Edge functions: the platform's `waitUntil` (`ctx.waitUntil.bind(ctx)` in Workers, `waitUntil` of
   * `@vercel/functions`). Called as each model call begins, with a promise that settles once its event is
   * recorded and the log flushed, so that a streamed answer's event is delivered after the response.
   */
  waitUntil?: (promise: Promise<unknown>) => void;
  /** `recordSync()` instead of `record()`: sent at once, the receipt checked (never awaited by the model call). */
  sync?: boolean;
  /** Each event recorded, with its id (and, with `sync`, its receipt). */
  onRecorded?: (recorded: { eventId: string; event: AiEvent; receipt?: Receipt }) => void;
  /** A call that could not be recorded. Default `console.warn`. Never breaks the model call. */
  onError?: (error: unknown, info: { eventType: string; call?: AiCall }) => void;
}
