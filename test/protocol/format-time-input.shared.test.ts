// formatTime is public. A BigInt or a Symbol (a caller's Date.now() kept as 1_700_000_000_000n) threw
// the Date constructor's TypeError; it is refused as ERR_TIME_INVALID, as NaN and out-of-range times are.
import { describe, expect, it } from 'vitest';
import { formatTime } from '../../src/protocol/index.js';

describe('formatTime of what is not a number', () => {
  for (const [name, value] of [['a BigInt', 1_700_000_000_000n], ['a Symbol', Symbol('t')], ['a string', '0'], ['null', null]] as const) {
    it(`refuses ${name} with ERR_TIME_INVALID`, () => {
      expect(() => formatTime(value as never)).toThrow(expect.objectContaining({ code: 'ERR_TIME_INVALID' }));
    });
  }
  it('still formats a number', () => {
    expect(formatTime(0)).toBe('1970-01-01T00:00:00.000Z');
  });
});
