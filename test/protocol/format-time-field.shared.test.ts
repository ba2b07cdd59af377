// docs/errors.md and docs/verify.md: bad input to the public protocol functions names the `field` at fault, as
// derToRaw names 'signature', b64uEncode 'bytes' and parseTime 'time'. formatTime's refusals named none.
import { describe, expect, it } from 'vitest';
import { formatTime, parseTime } from '../../src/protocol/index.js';

describe('formatTime refusing its argument', () => {
  it.each([['NaN', Number.NaN], ['a time past year 9999', 253402300800000], ['a string', '0'], ['a BigInt', 1n]] as const)(
    '%s: ERR_TIME_INVALID naming the field time, as parseTime does',
    (_what, value) => {
      expect(() => parseTime('not a time')).toThrow(expect.objectContaining({ code: 'ERR_TIME_INVALID', field: 'time' }));
      expect(() => formatTime(value as never)).toThrow(expect.objectContaining({ code: 'ERR_TIME_INVALID', field: 'time' }));
    },
  );
});
