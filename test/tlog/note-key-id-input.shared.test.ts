// noteKeyId is public (aegislog/verify). Given a name that is not a key name, an unknown type or a key
// that is not bytes of the type's length, it threw a TypeError or RangeError, or worse returned the ID of
// the text "undefined" or of a type no vkey has: an ID that matches no key. It must refuse, as
// formatVkey refuses the same input, with ERR_VKEY_INVALID naming the argument.
import { describe, expect, it } from 'vitest';
import { NoteKeyType, formatVkey, noteKeyId, parseVkey } from '../../src/tlog/vkey.js';

const key = new Uint8Array(32).fill(7);

describe('noteKeyId of bad input', () => {
  for (const name of [undefined, null, 5, '', 'a b', 'a+b', '\uD800x']) {
    it(`refuses the name ${JSON.stringify(name) ?? 'undefined'}`, () => {
      expect(() => noteKeyId(name as never, NoteKeyType.Ed25519, key)).toThrow(expect.objectContaining({ code: 'ERR_VKEY_INVALID', field: 'name' }));
    });
  }
  for (const type of [undefined, null, 0, 3, '1', 0x101]) {
    it(`refuses the type ${JSON.stringify(type) ?? 'undefined'}`, () => {
      expect(() => noteKeyId('log.example', type as never, key)).toThrow(expect.objectContaining({ code: 'ERR_VKEY_INVALID', field: 'type' }));
    });
  }
  for (const k of [undefined, null, 5, {}, 'key', Array.from(key), new Uint8Array(31), new Uint8Array(33)]) {
    it(`refuses the key ${k instanceof Uint8Array ? `of ${k.length} bytes` : Array.isArray(k) ? 'array' : JSON.stringify(k) ?? 'undefined'}`, () => {
      expect(() => noteKeyId('log.example', NoteKeyType.Ed25519, k as never)).toThrow(expect.objectContaining({ code: 'ERR_VKEY_INVALID', field: 'key' }));
    });
  }

  it('still gives the ID a vkey carries', () => {
    const vkey = parseVkey(formatVkey('log.example', NoteKeyType.Ed25519, key));
    expect(noteKeyId('log.example', NoteKeyType.Ed25519, key)).toBe(vkey.keyId);
  });
});
