import { describe, expect, it } from 'vitest';
import {
  AegisLogError, b64Decode, b64Encode, b64uDecode, b64uEncode, checkRawSignature, derToRaw, formatTime, hexDecode,
  hexEncode, parseTime, rawToDer,
} from '../../src/protocol/index.js';
import { encodeLoop } from '../../src/protocol/base64url.js';

describe('base64url', () => {
  it('round-trips every length and every byte value', () => {
    for (let n = 0; n < 70; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n * 11) & 255);
      const text = b64uEncode(bytes);
      expect(text).not.toMatch(/[=+/]/);
      expect(b64uDecode(text)).toEqual(bytes);
      expect(b64Decode(b64Encode(bytes))).toEqual(bytes);
    }
  });
  it('spells every value as the portable loop does, subarrays included (the native encoder where there is one)', () => {
    const pool = Uint8Array.from({ length: 300 }, (_, i) => (i * 89 + 7) & 255);
    for (let n = 0; n < 80; n++) {
      for (const offset of [0, 1, 2, 5]) {
        const bytes = pool.subarray(offset, offset + n);
        expect(b64uEncode(bytes)).toBe(encodeLoop(bytes));
      }
    }
    expect(encodeLoop(Uint8Array.of(251, 255))).toBe('-_8');
    expect(encodeLoop(Uint8Array.of(0xfb, 0xff, 0xbf))).toBe('-_-_');
  });
  it.each([
    ['padding', 'AA=='],
    ['standard alphabet', 'a+/b'],
    ['whitespace', 'AA AA'],
    ['an impossible length', 'AAAAA'],
    ['non-zero trailing bits', 'AB'],
  ])('refuses %s', (_why, text) => {
    expect(() => b64uDecode(text, 'path_b64url[0]')).toThrowError(AegisLogError);
    try {
      b64uDecode(text, 'path_b64url[0]');
    } catch (e) {
      expect((e as AegisLogError).code).toBe('ERR_BASE64URL');
      expect((e as AegisLogError).field).toBe('path_b64url[0]');
    }
  });
  it('hex round-trips and refuses odd input', () => {
    expect(hexEncode(hexDecode('00ff10'))).toBe('00ff10');
    expect(() => hexDecode('abc')).toThrow(AegisLogError);
  });
});

describe('strict DER <-> raw r||s', () => {
  const raw = new Uint8Array(64);
  raw[31] = 1; // r = 1
  raw[32] = 0x80; // s has its high bit set: DER needs a leading zero
  raw[63] = 2;
  const der = rawToDer(raw);

  it('encodes minimally and decodes back', () => {
    expect(Array.from(der.subarray(0, 5))).toEqual([0x30, der.length - 2, 0x02, 0x01, 0x01]);
    expect(der[5]).toBe(0x02);
    expect(der[6]).toBe(33);
    expect(der[7]).toBe(0);
    expect(derToRaw(der)).toEqual(raw);
  });

  const mutate = (f: (d: number[]) => void) => {
    const d = Array.from(der);
    f(d);
    return Uint8Array.from(d);
  };
  it.each([
    ['trailing bytes', mutate((d) => { d.push(0); d[1]! += 1; })],
    ['a length that disagrees', mutate((d) => { d[1]! -= 1; })],
    ['a long-form length', Uint8Array.from([0x30, 0x81, der.length - 2, ...der.subarray(2)])],
    ['a superfluous leading zero on r', mutate((d) => { d.splice(4, 0, 0); d[3] = 2; d[1]! += 1; })],
    ['a negative s (leading zero removed)', mutate((d) => { d.splice(7, 1); d[6] = 32; d[1]! -= 1; })],
    ['a wrong tag', mutate((d) => { d[2] = 0x03; })],
  ])('refuses %s', (_why, bad) => {
    expect(() => derToRaw(bad)).toThrowError(/signature/);
  });

  it('refuses zero scalars and scalars at or above the group order', () => {
    expect(() => checkRawSignature(new Uint8Array(64))).toThrow(/r is zero/);
    const n = hexDecode('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
    const atOrder = new Uint8Array(64);
    atOrder.set(n, 0);
    atOrder[63] = 1;
    expect(() => checkRawSignature(atOrder)).toThrow(/group order/);
    n[31] = 0x50; // n - 1
    atOrder.set(n, 0);
    expect(() => checkRawSignature(atOrder)).not.toThrow();
  });
});

describe('time', () => {
  it('formats RFC 3339 UTC with milliseconds and parses only that', () => {
    expect(formatTime(Date.UTC(2026, 10, 28, 9, 16, 52, 123))).toBe('2026-11-28T09:16:52.123Z');
    expect(parseTime('2026-11-28T09:16:52.123Z')).toBe(Date.UTC(2026, 10, 28, 9, 16, 52, 123));
    for (const bad of ['2026-11-28T09:16:52Z', '2026-11-28T09:16:52.123+00:00', '2026-02-30T00:00:00.000Z', 42]) {
      expect(() => parseTime(bad, 'received_at')).toThrow(/received_at/);
    }
  });
});
