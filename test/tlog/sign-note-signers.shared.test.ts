// signNote is public (aegislog/verify). Signers that are not an array, or a signer without a sign
// function, made it reject with a raw TypeError ("signers.map is not a function", "s.sign is not a
// function"). They are refused as ERR_NOTE_INVALID naming the signers, as formatNote refuses no signatures.
import { describe, expect, it } from 'vitest';
import { parseNote, signNote, type NoteSigner } from '../../src/tlog/note.js';

const good: NoteSigner = { name: 'log.example', keyId: 1, sign: async () => new Uint8Array(64).fill(1) };

describe('signNote with bad signers', () => {
  for (const [name, signers, field] of [
    ['undefined', undefined, 'signers'],
    ['null', null, 'signers'],
    ['a signer, not an array', good, 'signers'],
    ['a string', 'log.example', 'signers'],
    ['a null signer', [good, null], 'signers[1]'],
    ['a signer without sign', [good, { name: 'w', keyId: 2 }], 'signers[1]'],
  ] as const) {
    it(`refuses ${name} with ERR_NOTE_INVALID naming ${field}`, async () => {
      await expect(signNote('a\n', signers as never)).rejects.toMatchObject({ code: 'ERR_NOTE_INVALID', field });
    });
  }

  it('still signs with good signers', async () => {
    expect(parseNote(await signNote('a\n', [good])).signatures).toHaveLength(1);
  });
});
