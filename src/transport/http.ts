import { AegisLogHttpError, httpErrorCode } from '../protocol/errors.js';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface RetryPolicy {
  /** Attempts of one request within one flush (or recordSync/verify call) after the first. */
  attempts: number;
  /** Backoff base and ceiling, ms. */
  baseDelay: number;
  maxDelay: number;
  /** Cap on a server's Retry-After, ms. */
  maxRetryAfter: number;
}

export interface HttpConfig {
  fetch: FetchLike;
  timeout: number;
  retry: RetryPolicy;
}

/** What to do next, decided once here from the status (PROTOCOL.md §7). */
export type Outcome =
  | { kind: 'ok'; body: unknown }
  /** Network error, timeout, 408, 429, 5xx: the same events again, later. */
  | { kind: 'retry'; error: AegisLogHttpError }
  /** 413: too big; split it. */
  | { kind: 'split'; error: AegisLogHttpError }
  /** Any other 4xx: the server would say the same again. */
  | { kind: 'refused'; error: AegisLogHttpError };

/** One HTTP exchange with a timeout. Never throws: the outcome says what happened. */
export async function exchange(url: string, init: RequestInit, cfg: HttpConfig): Promise<Outcome> {
  let status = 0;
  try {
    const response = await cfg.fetch(url, { ...init, signal: AbortSignal.timeout(cfg.timeout) });
    const text = await response.text();
    status = response.status;
    if (status < 300) return { kind: 'ok', body: text ? JSON.parse(text) : undefined };
    let detail: { code?: string; message?: string; field?: string } | undefined;
    try {
      detail = JSON.parse(text).error;
    } catch {
      // Not the server's JSON (a proxy's error page): the generic message below.
    }
    const retryAfter = retryAfterMs(response.headers.get('retry-after'), cfg.retry.maxRetryAfter);
    const error = new AegisLogHttpError(httpErrorCode(detail?.code), detail?.message ?? `${url} answered HTTP ${status}`, status, {
      field: detail?.field,
      retryAfter,
      serverCode: detail?.code,
    });
    return { kind: status === 413 ? 'split' : status === 408 || status === 429 || status >= 500 ? 'retry' : 'refused', error };
  } catch (cause) {
    // Network failure, timeout, or a 2xx body that is not JSON: the server may have stored the
    // events, and sending them again is safe, since it dedupes by event_id.
    // AbortSignal.timeout rejects with a TimeoutError (its timer never keeps Node alive).
    const code = status ? 'ERR_BAD_RESPONSE' : (cause as Error)?.name === 'TimeoutError' ? 'ERR_TIMEOUT' : 'ERR_NETWORK';
    return { kind: 'retry', error: new AegisLogHttpError(code, `${init.method} ${url} failed: ${(cause as Error)?.message ?? cause}`, status, { cause }) };
  }
}

/**
 * `Retry-After` as delta-seconds or an HTTP date, in ms, capped: a server must not park a client for hours.
 * Sent twice (a proxy and the app), fetch joins the values with ", ": of delta-seconds, the largest counts.
 */
export function retryAfterMs(header: string | null, cap: number): number | undefined {
  const ms = !header ? NaN : /^[\d\s,]+$/.test(header) ? Math.max(...header.split(',').map(Number)) * 1000 : Date.parse(header) - Date.now();
  return ms === ms ? Math.min(cap, Math.max(0, ms)) : undefined;
}

/** Exponential backoff with full jitter: uniform in [0, min(maxDelay, baseDelay·2^attempt)], and at least Retry-After. */
export function backoffDelay(attempt: number, retry: RetryPolicy, retryAfter?: number): number {
  return Math.max(Math.random() * Math.min(retry.maxDelay, retry.baseDelay * 2 ** attempt), retryAfter ?? 0);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
