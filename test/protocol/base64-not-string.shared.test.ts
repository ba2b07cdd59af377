import { describe, expect, it } from 'vitest';
import { b64Decode, b64uDecode } from '../../src/protocol/index.js';

describe('b64Decode', () => {
  it('refuses a value that is not a string with ERR_BASE64URL naming the field, as b64uDecode does', () => {
    for (const value of [undefined, null, 5, new Uint8Array(4)]) {
      expect(() => b64uDecode(value as never, 'PEM body')).toThrow(expect.objectContaining({ code: 'ERR_BASE64URL', field: 'PEM body', message: 'PEM body is not a string' }));
      expect(() => b64Decode(value as never, 'PEM body')).toThrow(expect.objectContaining({ code: 'ERR_BASE64URL', field: 'PEM body', message: 'PEM body is not a string' }));
    }
  });
});
