/**
 * Finish reasons as the AI SDK words them, shared by the integrations that read a provider's own (the OpenAI
 * wrapper, the span processor). Not imported by the AI SDK middleware, whose parts already carry the SDK's words.
 */

/**
 * The table: from the OpenTelemetry conventions' (`tool_call`, `content_filter`) and the providers'
 * own, which instrumentations record as the provider sent them: Anthropic's and Bedrock's (`end_turn`,
 * `max_tokens`, `tool_use`, `refusal`, `guardrail_intervened`), Gemini's (`MAX_TOKENS`, `SAFETY`…, matched
 * lower-cased). Mapped as the AI SDK's own providers map them, so that a truncated or filtered answer raises its
 * anomaly flag whatever the provider.
 */
const FINISH: Record<string, string> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  max_output_tokens: 'length',
  model_context_window_exceeded: 'length',
  content_filter: 'content-filter',
  content_filtered: 'content-filter',
  guardrail_intervened: 'content-filter',
  refusal: 'content-filter',
  safety: 'content-filter',
  image_safety: 'content-filter',
  recitation: 'content-filter',
  blocklist: 'content-filter',
  prohibited_content: 'content-filter',
  spii: 'content-filter',
  tool_call: 'tool-calls',
  tool_calls: 'tool-calls',
  tool_use: 'tool-calls',
  function_call: 'tool-calls',
  malformed_function_call: 'error',
  finish_reason_unspecified: 'other',
};

/** A finish reason as the AI SDK words it; Gemini's upper-case ones (`STOP`, `OTHER`) lower-cased; others, and anything not text, as given. */
export function finishOf<T>(reason: T): T | string {
  if (typeof reason !== 'string') return reason;
  const lower = reason.toLowerCase();
  return Object.hasOwn(FINISH, lower) ? FINISH[lower]! : /^[A-Z_]+$/.test(reason) ? lower : reason;
}
