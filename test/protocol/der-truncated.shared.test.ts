import { describe, expect, it } from 'vitest';
import { derToRaw } from '../../src/protocol/index.js';

describe('derToRaw', () => {
  it('names a signature cut off after the tag of s as running past the end, not as s being zero', () => {
    // SEQUENCE(6) { INTEGER(3) 01 01 01, INTEGER tag with no length and no value }
    const cut = Uint8Array.from([0x30, 0x06, 0x02, 0x03, 0x01, 0x01, 0x01, 0x02]);
    expect(() => derToRaw(cut)).toThrow(expect.objectContaining({ code: 'ERR_DER_INVALID', field: 'signature', message: 'signature s runs past the end' }));
  });
});
