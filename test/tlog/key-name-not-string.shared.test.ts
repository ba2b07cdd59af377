// formatCheckpoint, formatVkey and signatureLine are public. A name that is not a string was refused by
// building a message with JSON.stringify, which throws a TypeError of its own for a BigInt: the caller got
// "Do not know how to serialize a BigInt" instead of the typed error naming the field.
import { describe, expect, it } from 'vitest';
import { formatCheckpoint } from '../../src/tlog/checkpoint.js';
import { signatureLine } from '../../src/tlog/note.js';
import { NoteKeyType, formatVkey } from '../../src/tlog/vkey.js';

const root = new Uint8Array(32);

describe('a key name that is a BigInt', () => {
  it('formatCheckpoint refuses the origin with ERR_CHECKPOINT_INVALID', () => {
    expect(() => formatCheckpoint(5n as never, 1, root)).toThrow(expect.objectContaining({ code: 'ERR_CHECKPOINT_INVALID', field: 'origin' }));
  });
  it('formatVkey refuses the name with ERR_VKEY_INVALID', () => {
    expect(() => formatVkey(5n as never, NoteKeyType.Ed25519, root)).toThrow(expect.objectContaining({ code: 'ERR_VKEY_INVALID' }));
  });
  it('signatureLine refuses the name with ERR_NOTE_INVALID', () => {
    expect(() => signatureLine({ name: 5n as never, keyId: 1, signature: root })).toThrow(expect.objectContaining({ code: 'ERR_NOTE_INVALID', field: 'signature.name' }));
  });
  it('a string name is still quoted in the message', () => {
    expect(() => formatCheckpoint('a b', 1, root)).toThrow('origin "a b" must be non-empty with no spaces or "+"');
  });
});
