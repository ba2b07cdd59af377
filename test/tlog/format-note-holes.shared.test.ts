// formatNote is public (aegislog/verify). A signatures array with holes ([, ] or new Array(2) filled in
// part) went through map(), which skips holes: formatNote('a\n', [,]) wrote "a\n\n", a note without a
// signature line that parseNote refuses, and a hole beside a signature was dropped without a word. A hole
// is no signature: refused as ERR_NOTE_INVALID, as a null signature is.
import { describe, expect, it } from 'vitest';
import { formatNote, parseNote, type NoteSignature } from '../../src/tlog/note.js';

const sig: NoteSignature = { name: 'log.example', keyId: 1, signature: new Uint8Array(64).fill(7) };

describe('formatNote with holes in its signatures', () => {
  for (const [what, sigs] of [
    ['one hole', [, ]],
    ['a hole after a signature', [sig, , ]],
    ['a hole between two signatures', [sig, , sig]],
    ['an array made with new Array(2), one filled', Object.assign(new Array<NoteSignature>(2), { 0: sig })],
  ] as const) {
    it(`refuses ${what} with ERR_NOTE_INVALID`, () => {
      expect(() => formatNote('a\n', sigs as unknown as NoteSignature[])).toThrow(expect.objectContaining({ code: 'ERR_NOTE_INVALID' }));
    });
  }

  it('still writes a note parseNote reads back from a dense array', () => {
    const note = formatNote('a\n', [sig, sig]);
    expect(parseNote(note).signatures).toHaveLength(2);
  });
});
