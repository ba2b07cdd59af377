// formatTime (public in aegislog/verify) refuses a time it cannot write with ERR_TIME_INVALID: years past 9999
// did, but a time past the Date range (±8.64e15 ms) or NaN threw the Date's own RangeError.
import { describe, expect, it } from 'vitest';
import { AegisLogError, formatTime } from '../../src/protocol/index.js';

describe('formatTime outside the times the wire can carry', () => {
  it.each([Number.NaN, Infinity, -Infinity, 8.64e15 + 1, -8.64e15 - 1, 1e300, 253402300800000 /* year 10000 */, -62167219200001 /* year -1 */])(
    '%d is ERR_TIME_INVALID, never a RangeError',
    (ms) => {
      let error: unknown;
      try {
        formatTime(ms);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AegisLogError);
      expect(error).toMatchObject({ code: 'ERR_TIME_INVALID' });
    },
  );

  it('writes the first and last millisecond of years 0000–9999', () => {
    expect(formatTime(-62167219200000)).toBe('0000-01-01T00:00:00.000Z');
    expect(formatTime(253402300799999)).toBe('9999-12-31T23:59:59.999Z');
  });
});
