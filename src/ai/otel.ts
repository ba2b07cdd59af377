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
import { aiFlush, check, recorder, round, track } from './record.js';

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

/** `gen_ai.operation.name` values of one model inference (not agents, tools, embeddings or retrieval). */
const INFERENCE = new Set(['chat', 'text_completion', 'generate_content']);

/** Spans whose descendant was recorded, kept until they end; bounded, for parents that never end here. */
const MAX_COVERED = 10_000;

/** A model-call span: a GenAI inference operation, OpenLLMetry's `llm.request.type`, or an OpenInference LLM span. */
export function isModelCallSpan(span: SpanLike): boolean {
  const a = span.attributes;
  const operation = a['gen_ai.operation.name'];
  if (typeof operation === 'string') return INFERENCE.has(operation);
  const type = a['llm.request.type'];
  if (typeof type === 'string') return type === 'chat' || type === 'completion';
  return a['openinference.span.kind'] === 'LLM';
}

/**
 * One event per model-call span. A span that encloses a recorded one (the AI
 * SDK's call span around a provider instrumentation's span, say) is the same
 * call seen twice, and is not recorded again. The event's `trace_id` is the
 * span's trace id unless the options give one. Spans are seen only when
 * sampled: evidence wants the always-on sampler.
 */
export function aegislogSpanProcessor(options: AiOptions & { isModelCall?: (span: SpanLike) => boolean }): AegisLogSpanProcessor {
  check(options);
  const given = options.trace_id;
  // The span's trace id, unless the options give one (the recorder, shared with the browser's middleware, knows none).
  const record = recorder({ ...options, trace_id: (call) => (typeof given === 'function' ? given(call) : given) ?? call.traceId });
  if (options.isModelCall !== undefined && typeof options.isModelCall != 'function')
    throw new AegisLogError('ERR_CONFIG', 'isModelCall must be a function of the span', { field: 'isModelCall' });
  const covered = new Set<string>();
  const isModelCall = options.isModelCall ?? isModelCallSpan;
  return {
    onStart() {},
    onEnd(span) {
      let modelCall = false;
      try {
        const id = span.spanContext().spanId;
        const parent = span.parentSpanContext?.spanId ?? span.parentSpanId;
        // Children end before their parents: a span that encloses a recorded one hears of it first.
        const enclosing = covered.delete(id);
        modelCall = !enclosing && isModelCall(span);
        if ((enclosing || modelCall) && parent) {
          covered.add(parent);
          if (covered.size > MAX_COVERED) covered.delete(covered.values().next().value!);
        }
      } catch {
        modelCall = false;
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
  return {
    integration: 'opentelemetry',
    operation: str('gen_ai.operation.name', 'llm.request.type') ?? 'chat',
    streamed: a['gen_ai.request.stream'] === true || ttfcMs !== undefined,
    provider: str('gen_ai.provider.name', 'gen_ai.system', 'llm.provider', 'llm.system'),
    modelId: str('gen_ai.request.model', 'llm.model_name', 'gen_ai.response.model') ?? span.name,
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
    input: given ? { instructions, messages } : undefined,
    inputChars: given ? chars(messages) + chars(instructions) : undefined,
    output,
    request: span,
    traceId,
    extra: { span_id: spanId },
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
