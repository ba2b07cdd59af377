/**
 * Query parameters of the read and log routes (§8), read strictly: one value each, in one
 * spelling, and every mistake a 400 `bad_request` naming the parameter.
 */
import { isTime } from '../protocol/index.js';
import { badRequest } from '../transport/web-handler.js';

/**
 * The parameter's one value, or null when it is absent. Given twice it is refused: which of the
 * two counts is not standard, so a proxy or a cache in front of this server could read the other
 * one (`tenant_id=a&tenant_id=b`, a proof cached as immutable under an ambiguous URL).
 */
export function queryParam(url: URL, name: string): string | null {
  const values = url.searchParams.getAll(name);
  if (values.length > 1) throw badRequest(`${name} is given ${values.length} times; give it once`, name);
  return values[0] ?? null;
}

/** A whole number in its one decimal spelling (no sign, no leading zero, no exponent); `fallback` when absent. */
export function countParam(url: URL, name: string, fallback?: number): number {
  const value = queryParam(url, name);
  if (value === null) {
    if (fallback === undefined) throw badRequest(`${name} is required`, name);
    return fallback;
  }
  if (!/^(0|[1-9][0-9]*)$/.test(value)) throw badRequest(`${name} must be a whole number in decimal (no sign, no leading zero)`, name);
  if (!Number.isSafeInteger(Number(value))) throw badRequest(`${name} ${value} is beyond 2^53−1, larger than any log`, name);
  return Number(value);
}

/** An RFC 3339 UTC time with milliseconds (a period start), as §3 writes it. */
export function timeParam(url: URL, name: string): string {
  const value = queryParam(url, name);
  if (value === null) throw badRequest(`${name} is required`, name);
  if (!isTime(value)) throw badRequest(`${name} must be an RFC 3339 UTC time with milliseconds, such as 2026-11-28T09:00:00.000Z`, name);
  return value;
}

/** `true` or `false`; absent is false. */
export function booleanParam(url: URL, name: string): boolean {
  const value = queryParam(url, name);
  if (value === null || value === 'false') return false;
  if (value === 'true') return true;
  throw badRequest(`${name} must be true or false`, name);
}
