/**
 * OpenTelemetry: a span processor that turns each finished model-call span
 * into an event. It reads the GenAI semantic conventions as of v1.41.0 (the
 * last release that carried them in open-telemetry/semantic-conventions, in
 * Development status), the older names some instrumentations still write
 * (`gen_ai.system`, `gen_ai.usage.prompt_tokens`/`completion_tokens`), and
 * OpenInference's `llm.*` names for the model and token counts. The types are
 * structural (@opentelemetry/sdk-trace-base 2.x's `ReadableSpan`), so nothing
 * of OpenTelemetry is loaded here.
 */
import { AegisLogError } from '../protocol/errors.js';
import type { AiCall, AiOptions } from './options.js';
import { finishOf, outcomeOf } from './finish.js';
import { aiFlush, check, recorder, reporter, round, track } from './record.js';
import { modelTyped } from './embeddings.js';
import { decisionInputChars, decisionsByName } from './decisions.js';

/** A span's attributes, as OpenTelemetry gives them. */
export type SpanAttributes = Record<string, unknown>;

/** The parts of a `ReadableSpan` (sdk-trace-base 2.x; 1.x's `parentSpanId` too) that are read. */
export interface SpanLike {
  name: string;
  spanContext(): { traceId: string; spanId: string };
  parentSpanContext?: { spanId: string } | undefined;
  parentSpanId?: string | undefined;
  attributes: SpanAttributes;
  status: { code: number; message?: string | undefined };
  duration: readonly [number, number];
  events?: readonly { name: string; attributes?: SpanAttributes | undefined }[];
}

/** A `SpanProcessor` of @opentelemetry/sdk-trace-base 2.x. */
export interface AegisLogSpanProcessor {
  onStart(span: unknown, parentContext: unknown): void;
  onEnd(span: SpanLike): void;
  /** Waits for the events being prepared, then flushes the log. */
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** `gen_ai.operation.name` values of one model inference (not agents, tools or retrieval). */
const INFERENCE = new Set(['chat', 'text_completion', 'generate_content']);

/** Spans whose descendant was recorded, kept until they end; bounded, for parents that never end here. */
const MAX_COVERED = 10_000;

/**
 * What a model call is: an inference, an embedding (a model, tokens and vectors, no text out), a rerank (a model
 * that orders a RAG app's documents for a query: no text out either) or a decision (a decision model's answers to
 * an app's questions, the AI SDK's `experimental_decide`).
 */
type CallKind = 'llm' | 'embedding' | 'reranker' | 'classifier';
const KINDS: readonly CallKind[] = ['llm', 'embedding', 'reranker', 'classifier'];
/**
 * The kind of call of each `gen_ai.operation.name` but an inference's, which is also the `operation` of its event
 * and, as its `model_context.model_type`, the kind (unless the options pin one; an inference's is `llm`).
 */
const OPERATION_KINDS: Record<string, CallKind> = { embeddings: 'embedding', rerank: 'reranker', decide: 'classifier' };
// An own property only: a span's operation may be any text, `constructor` too.
const kindOf = (operation: string): CallKind | undefined => (Object.hasOwn(OPERATION_KINDS, operation) ? OPERATION_KINDS[operation] : undefined);

/**
 * The kind of model call a span is, by the first of these it carries: the GenAI `gen_ai.operation.name`
 * (`embeddings` in the conventions; `rerank` and `decide`, as the AI SDK's @ai-sdk/otel writes them), OpenLLMetry's
 * `llm.request.type` (`embedding`, `rerank`), OpenInference's `openinference.span.kind` (`EMBEDDING`,
 * `RERANKER`); undefined for a span that is no model call.
 */
function callKind(a: SpanAttributes): CallKind | undefined {
  const operation = a['gen_ai.operation.name'];
  if (typeof operation === 'string') return INFERENCE.has(operation) ? 'llm' : kindOf(operation);
  const type = a['llm.request.type'];
  if (typeof type === 'string') return type === 'chat' || type === 'completion' ? 'llm' : type === 'embedding' ? 'embedding' : type === 'rerank' ? 'reranker' : undefined;
  const kind = a['openinference.span.kind'];
  return kind === 'LLM' ? 'llm' : kind === 'EMBEDDING' ? 'embedding' : kind === 'RERANKER' ? 'reranker' : undefined;
}

/**
 * A model-call span: a GenAI inference, embeddings, rerank or decide operation, OpenLLMetry's `llm.request.type` (chat,
 * completion, embedding, rerank), or an OpenInference LLM, EMBEDDING or RERANKER span.
 */
export function isModelCallSpan(span: SpanLike): boolean {
  return callKind(span.attributes) !== undefined;
}

/**
 * One event per model-call span. A span that encloses a recorded one of its
 * kind (the AI SDK's call span around a provider instrumentation's span, say)
 * is the same call seen twice, and is not recorded again; a chat span around
 * an embeddings span (retrieval made inside the call) is two calls. The event's `trace_id` is the
 * span's trace id unless the options give one. Spans are seen only when
 * sampled: evidence wants the always-on sampler.
 */
export function aegislogSpanProcessor(options: AiOptions & { isModelCall?: (span: SpanLike) => boolean }): AegisLogSpanProcessor {
  check(options);
  const given = options.trace_id;
  // The span's trace id, unless the options give one (the recorder, shared with the browser's middleware, knows none).
  // An embedding call's model_type is `embedding`, as wrapOpenAI and the embedding middleware say; a rerank's
  // `reranker`, as wrapCohere's and the telemetry's; a decision's `classifier`, as OpenAI's decisions'.
  const record = recorder(modelTyped({ ...options, trace_id: (call) => (typeof given === 'function' ? given(call) : given) ?? call.traceId }, (call) => kindOf(call.operation)));
  if (options.isModelCall !== undefined && typeof options.isModelCall != 'function')
    throw new AegisLogError('ERR_CONFIG', 'isModelCall must be a function of the span', { field: 'isModelCall' });
  /** `<kind> <span id>`: spans whose descendant recorded a call of that kind. */
  const covered = new Set<string>();
  const isModelCall = options.isModelCall ?? isModelCallSpan;
  // A failure here (the option's isModelCall threw) is told as the recorder's are: the span is not recorded.
  const report = reporter(options, options.eventType ?? 'model_inference');
  const cover = (key: string) => {
    covered.add(key);
    if (covered.size > MAX_COVERED) covered.delete(covered.values().next().value!);
  };
  return {
    onStart() {},
    onEnd(span) {
      let modelCall = false;
      try {
        const id = span.spanContext().spanId;
        const parent = span.parentSpanContext?.spanId ?? span.parentSpanId;
        // Children end before their parents: a span that encloses a recorded one hears of it first. A span the
        // option's isModelCall picks, of no kind known here, is an inference.
        const kind = isModelCall(span) ? (callKind(span.attributes) ?? 'llm') : undefined;
        for (const k of KINDS) {
          const enclosing = covered.delete(`${k} ${id}`);
          if (k === kind) modelCall = !enclosing;
          if ((enclosing || k === kind) && parent) cover(`${k} ${parent}`);
        }
      } catch (error) {
        modelCall = false;
        report(error);
      }
      if (modelCall) record(() => fromSpan(span), track(options));
    },
    forceFlush: () => aiFlush(options.log),
    shutdown: () => aiFlush(options.log),
  };
}


function fromSpan(span: SpanLike): AiCall {
  const a = span.attributes;
  const str = (...keys: string[]) => keys.map((k) => a[k]).find((v): v is string => typeof v === 'string' && v !== '');
  const num = (...keys: string[]) => keys.map((k) => a[k]).find((v): v is number => typeof v === 'number');
  const { traceId, spanId } = span.spanContext();
  const exception = span.events?.find((e) => e.name === 'exception')?.attributes ?? {};
  const errorType = str('error.type');
  const failed = span.status?.code === 2 || errorType !== undefined;
  // An Error, not a plain object: one named Error would be recorded by its constructor's name (Object).
  const error = failed
    ? Object.assign(new Error(String(exception['exception.message'] ?? span.status?.message ?? '')), { name: String(exception['exception.type'] ?? errorType ?? 'Error') })
    : undefined;
  const reasons = a['gen_ai.response.finish_reasons'];
  // A list in the conventions; a plain string too (an attribute may be one, and an instrumentation may write one).
  const reason = Array.isArray(reasons) ? reasons[0] : str('gen_ai.response.finish_reasons', 'llm.response.finish_reason');
  const finishReason = typeof reason === 'string' ? finishOf(reason) : undefined;
  // Seconds in the conventions (and in the AI SDK's spans, under the metric's name); milliseconds in the AI SDK's older `ai.*` attributes.
  const ttfc = num('gen_ai.response.time_to_first_chunk', 'gen_ai.client.operation.time_to_first_chunk');
  const ttfcMs = ttfc === undefined ? num('ai.response.msToFirstChunk') : ttfc * 1000;
  const messages = json(a['gen_ai.input.messages']);
  const instructions = json(a['gen_ai.system_instructions']);
  const answer = json(a['gen_ai.output.messages']);
  const toolCalls: string[] = [];
  let output: string | undefined;
  // One output message per choice (the conventions): the text is the first one's, as the finish reason is, and
  // as the other integrations record it; the tools called are every choice's. No text (an answer of tool calls
  // only): no output size or digest, as for the other integrations.
  (Array.isArray(answer) ? answer : answer === undefined ? [] : [answer]).forEach((message, i) => {
    for (const part of parts(message)) {
      if (part?.type === 'text' && i === 0 && typeof part.content === 'string' && part.content) output = (output ?? '') + part.content;
      // A part without a name (an instrumentation's omission) is left out: the client would refuse the whole event.
      else if (part?.type === 'tool_call' && typeof part.name === 'string') toolCalls.push(part.name);
    }
  });
  const given = messages !== undefined || instructions !== undefined;
  const [s, ns] = span.duration;
  // Embeddings, as wrapOpenAI records them: the model and the tokens, the vectors' dimensions (when the span has
  // them), no output: its text is no text, and its vectors are not digested. A rerank: the model and its tokens.
  const kind = callKind(a);
  const embedding = kind === 'embedding';
  // A decision: what it was asked and its answers, when the app turned @ai-sdk/otel's `experimental_decision` on.
  const decision = kind === 'classifier' ? { state: json(a['ai.decision.state']), questions: json(a['ai.decision.questions']) } : undefined;
  const asked = decision?.state !== undefined || decision?.questions !== undefined;
  return {
    integration: 'opentelemetry',
    operation: embedding ? 'embeddings' : kind === 'reranker' ? 'rerank' : kind === 'classifier' ? 'decide' : (str('gen_ai.operation.name', 'llm.request.type') ?? 'chat'),
    streamed: a['gen_ai.request.stream'] === true || ttfcMs !== undefined,
    provider: str('gen_ai.provider.name', 'gen_ai.system', 'llm.provider', 'llm.system'),
    modelId: str('gen_ai.request.model', 'llm.model_name', 'embedding.model_name', 'reranker.model_name', 'gen_ai.response.model') ?? span.name,
    responseModelId: str('gen_ai.response.model'),
    responseId: str('gen_ai.response.id'),
    // A span not failed whose model finished with reason error (Gemini's MALFORMED_FUNCTION_CALL): error too.
    outcome: failed ? (/abort/i.test(String(error?.name)) ? 'aborted' : 'error') : outcomeOf(undefined, finishReason),
    finishReason,
    error,
    latencyMs: round(s * 1000 + ns / 1e6),
    timeToFirstTokenMs: ttfcMs === undefined ? undefined : round(ttfcMs),
    inputTokens: num('gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens', 'llm.token_count.prompt'),
    outputTokens: num('gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens', 'llm.token_count.completion'),
    toolCalls,
    input: asked ? decision : given ? { instructions, messages } : undefined,
    inputChars: asked ? decisionInputChars(decision!.state, decision!.questions) : given ? chars(messages) + chars(instructions) : undefined,
    output: embedding ? undefined : output,
    request: span,
    traceId,
    extra: { span_id: spanId, embedding_dimensions: embedding ? num('gen_ai.embeddings.dimension.count') : undefined, ...(decision && decisionsByName(decision.questions, json(a['ai.decision.answers']))) },
  };
}

/** A content attribute: JSON text (as the conventions record it), parsed; other values as they are. */
function json(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** The parts of messages (`[{ role, parts: [...] }]`) or of system instructions (`[{ type, content }]`). */
function parts(value: unknown): any[] {
  return (Array.isArray(value) ? value : [value]).flatMap((m) => (Array.isArray(m?.parts) ? m.parts : [m]));
}

function chars(value: unknown): number {
  if (typeof value === 'string') return value.length;
  let n = 0;
  for (const part of parts(value)) if (part?.type === 'text' && typeof part.content === 'string') n += part.content.length;
  return n;
}
