/**
 * Finish reasons as the AI SDK words them, and the outcome they make. `finishOf` is shared by the integrations
 * that read a provider's own (the OpenAI wrapper, the span processor); the AI SDK middleware, whose parts already
 * carry the SDK's words, imports `outcomeOf` alone.
 */
import type { AiCall } from './options.js';

/**
 * The table: from the OpenTelemetry conventions' (`tool_call`, `content_filter`) and the providers'
 * own, which instrumentations record as the provider sent them: Anthropic's and Bedrock's (`end_turn`,
 * `max_tokens`, `tool_use`, `refusal`, `guardrail_intervened`), Gemini's and Cohere's (`MAX_TOKENS`, `SAFETY`,
 * `COMPLETE`, `TOOL_CALL`…, matched lower-cased). Mapped as the AI SDK's own providers map them, so that a truncated or filtered answer raises its
 * anomaly flag whatever the provider.
 */
const FINISH: Record<string, string> = {
  end_turn: 'stop',
  complete: 'stop',
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
  image_prohibited_content: 'content-filter',
  image_recitation: 'content-filter',
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
  timeout: 'other',
};

/** A finish reason as the AI SDK words it; Gemini's upper-case ones (`STOP`, `OTHER`) lower-cased; others, and anything not text, as given. */
export function finishOf<T>(reason: T): T | string {
  if (typeof reason !== 'string') return reason;
  const lower = reason.toLowerCase();
  return Object.hasOwn(FINISH, lower) ? FINISH[lower]! : /^[A-Z_]+$/.test(reason) ? lower : reason;
}

/**
 * A finished call's outcome, the same whichever integration records it: `error` when the call failed (it threw,
 * its stream had an error part, or the model finished with reason `error`, the AI SDK's word for a generation an
 * error stopped), but `aborted` for an abort (the caller's signal, an AbortError); else `ok`. A call known to have
 * failed passes `'error'` as its finish reason.
 */
export function outcomeOf(error: unknown, finishReason: unknown, signal?: { aborted?: boolean } | null): AiCall['outcome'] {
  return error === undefined && finishReason != 'error'
    ? 'ok'
    : signal?.aborted || (error as { name?: unknown } | null)?.name == 'AbortError'
      ? 'aborted'
      : 'error';
}
