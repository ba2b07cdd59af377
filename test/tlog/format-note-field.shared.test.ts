// formatNote names the field at fault as a path from its input (errors.ts), as parseNote does
// (`signatures[2]`). A bad third signature was refused naming `signature.name`: neither the list nor
// which entry of it, so a caller formatting many cosignatures could not tell which one to drop.
import { describe, expect, it } from 'vitest';
import { formatNote, signatureLine, type NoteSignature } from '../../src/tlog/note.js';

const sig: NoteSignature = { name: 'log.example', keyId: 1, signature: new Uint8Array(64).fill(7) };

describe('formatNote names the signature at fault by its index', () => {
  for (const [what, bad, field] of [
    ['a key name with a space', { ...sig, name: 'a b' }, 'signatures[2].name'],
    ['a key ID beyond 32 bits', { ...sig, keyId: 2 ** 32 }, 'signatures[2].keyId'],
    ['an empty signature', { ...sig, signature: new Uint8Array(0) }, 'signatures[2].signature'],
    ['null', null, 'signatures[2]'],
  ] as const) {
    it(`refuses ${what} naming ${field}`, () => {
      expect(() => formatNote('a\n', [sig, sig, bad as NoteSignature])).toThrow(expect.objectContaining({ code: 'ERR_NOTE_INVALID', field }));
    });
  }

  it('signatureLine, given one signature, still names it `signature`', () => {
    expect(() => signatureLine({ ...sig, name: '' })).toThrow(expect.objectContaining({ code: 'ERR_NOTE_INVALID', field: 'signature.name' }));
  });
});
