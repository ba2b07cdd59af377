// Retry-After as the client reads it (RFC 9110 §10.2.3): delta-seconds or an HTTP date, capped. A
// header sent twice (by a proxy and by the app) reaches fetch's Headers joined with ", ".
import { describe, expect, it } from 'vitest';
import { retryAfterMs } from '../../src/transport/http.js';

const CAP = 60_000;

describe('retryAfterMs', () => {
  it.each([
    ['2', 2000],
    [' 2 ', 2000],
    ['0', 0],
    ['3000000', CAP],
    // Joined by fetch: the same value twice, or two values (the longer pause is the one both asked for at least).
    ['2, 2', 2000],
    ['1, 5', 5000],
    ['5,1', 5000],
  ])('%j → %d ms', (header, ms) => {
    expect(retryAfterMs(header, CAP)).toBe(ms);
  });

  it('an HTTP date: the time until it, never below 0 nor above the cap', () => {
    expect(retryAfterMs(new Date(Date.now() - 10_000).toUTCString(), CAP)).toBe(0);
    const ahead = retryAfterMs(new Date(Date.now() + 3_600_000).toUTCString(), CAP);
    expect(ahead).toBe(CAP);
    const soon = retryAfterMs(new Date(Date.now() + 20_000).toUTCString(), CAP)!;
    expect(soon).toBeGreaterThan(15_000);
    expect(soon).toBeLessThanOrEqual(20_000);
  });

  it.each([[null], [''], ['soon'], ['1 2']])('%j is no Retry-After: undefined (the backoff alone decides)', (header) => {
    expect(retryAfterMs(header, CAP)).toBeUndefined();
  });
});
