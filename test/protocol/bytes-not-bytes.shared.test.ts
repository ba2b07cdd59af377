// b64uEncode, derToRaw and rawToDer are public (aegislog/verify): a value that is not bytes (a caller's
// undefined, a base64 string, a number array) must be refused as the project's typed error naming the
// argument, not as a TypeError from Buffer or from reading `.length` of undefined.
import { describe, expect, it } from 'vitest';
import { b64uEncode, derToRaw, rawToDer } from '../../src/protocol/index.js';

const notBytes: unknown[] = [undefined, null, 5, {}, 'MEUCIQ', [48, 6, 2, 1, 1, 2, 1, 1], true];
const label = (v: unknown) => (Array.isArray(v) ? 'an array' : JSON.stringify(v) ?? 'undefined');

describe('functions of bytes given something else', () => {
  for (const value of notBytes) {
    it(`b64uEncode refuses ${label(value)} with ERR_BASE64URL naming bytes`, () => {
      expect(() => b64uEncode(value as never)).toThrow(expect.objectContaining({ code: 'ERR_BASE64URL', field: 'bytes', message: 'bytes must be a Uint8Array' }));
    });
    it(`derToRaw refuses ${label(value)} with ERR_DER_INVALID naming the signature`, () => {
      expect(() => derToRaw(value as never)).toThrow(expect.objectContaining({ code: 'ERR_DER_INVALID', field: 'signature', message: 'signature must be a Uint8Array' }));
    });
    it(`rawToDer refuses ${label(value)} with ERR_DER_INVALID naming the signature`, () => {
      expect(() => rawToDer(value as never)).toThrow(expect.objectContaining({ code: 'ERR_DER_INVALID', field: 'signature', message: 'signature must be a Uint8Array' }));
    });
  }

  it('still encodes and converts bytes, a Buffer-like subarray too', () => {
    expect(b64uEncode(Uint8Array.from([251, 255]))).toBe('-_8');
    expect(b64uEncode(Uint8Array.from([0, 251, 255, 0]).subarray(1, 3))).toBe('-_8');
    const raw = new Uint8Array(64).fill(1);
    expect(derToRaw(rawToDer(raw))).toEqual(raw);
  });
});
