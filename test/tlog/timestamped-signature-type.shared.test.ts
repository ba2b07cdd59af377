// parseTimestampedSignature is public (aegislog/verify). A type other than 0x04 or 0x06 was read as 0x04
// (an Ed25519 cosignature, for a type such as 0x01 that has no timestamp at all), and a Symbol threw a raw
// TypeError building the message. Both are refused as ERR_NOTE_INVALID naming the type.
import { describe, expect, it } from 'vitest';
import { parseTimestampedSignature } from '../../src/tlog/cosignature.js';

describe('parseTimestampedSignature of a type without timestamps', () => {
  for (const [name, type] of [['0x01', 1], ['0x02', 2], ['undefined', undefined], ['"4"', '4'], ['a Symbol', Symbol('t')]] as const) {
    it(`refuses ${name} with ERR_NOTE_INVALID naming the type`, () => {
      expect(() => parseTimestampedSignature(new Uint8Array(72), type as never)).toThrow(expect.objectContaining({ code: 'ERR_NOTE_INVALID', field: 'type' }));
    });
  }
  it('still reads a cosignature/v1 signature', () => {
    expect(parseTimestampedSignature(new Uint8Array(72), 4)).toMatchObject({ timestamp: 0 });
  });
});
