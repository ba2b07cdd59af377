// The relay's deadlines are timers: AbortSignal.timeout(timeout) for each upstream call, setTimeout(bodyTimeout)
// for a browser's body. A timer holds at most 2^31 − 1 ms (beyond, Node and browsers fire it after 1 ms), and
// Node's AbortSignal.timeout takes whole ms only (else RangeError). Such a value was accepted: then every
// upstream call failed (504 at once, or 502 "did not answer: RangeError"), and every body took 408 at once.
// Refused at creation instead, as the client refuses its own `timeout` (src/client/options.ts).
import { describe, expect, it } from 'vitest';
import { createRelay, type RelayOptions } from '../../src/edge/index.js';

const make = (options: Partial<RelayOptions>) => () => createRelay({ endpoint: 'https://api.example.com', apiKey: 'k', allowedOrigins: [], ...options });

describe('relay: a deadline a timer cannot hold is refused with ERR_CONFIG', () => {
  it.each([2 ** 31, 2 ** 32 + 5, 30 * 24 * 3600 * 1000])('timeout %d ms (beyond 2^31 − 1) and bodyTimeout alike', (ms) => {
    expect(make({ timeout: ms })).toThrow(expect.objectContaining({ name: 'AegisLogError', code: 'ERR_CONFIG', field: 'timeout' }));
    expect(make({ bodyTimeout: ms })).toThrow(expect.objectContaining({ name: 'AegisLogError', code: 'ERR_CONFIG', field: 'bodyTimeout' }));
  });

  it('a timeout that is not a whole number of ms (AbortSignal.timeout throws RangeError on each forward)', () => {
    expect(make({ timeout: 2500.5 })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'timeout', message: expect.stringContaining('2147483647') }));
  });

  it('guard: 2^31 − 1 ms is taken, for both', () => {
    expect(make({ timeout: 2 ** 31 - 1, bodyTimeout: 2 ** 31 - 1 })).not.toThrow();
  });
});
