import { describe, expect, it } from 'vitest';
import {
  MAX_NOTE_SIGNATURES, formatNote, parseNote, parseSignatureLine, parseSignatureLines, signNote, signatureLine,
} from '../../src/tlog/note.js';

import { EXAMPLE_NOTE, QUASIMODO, SOFA_NOTE, SOFA_TEXT, thrownCode as code } from './examples.js';


describe('parseNote', () => {
  it('reads the signed-note example: the text keeps its inner blank line, the last blank line splits', () => {
    const note = parseNote(QUASIMODO);
    expect(note.text).toBe('Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n');
    expect(note.signatures).toHaveLength(1);
    expect(note.signatures[0]!.name).toBe('quasimodo.example/salvatore');
    expect(note.signatures[0]!.keyId).toBe(0x367ba04b);
    expect(note.signatures[0]!.signature).toHaveLength(64);
    expect(formatNote(note.text, note.signatures)).toBe(QUASIMODO);
  });

  it('reads the cosignature example: key IDs, and the timestamp its signed-message example shows', () => {
    const note = parseNote(SOFA_NOTE);
    expect(note.text).toBe(SOFA_TEXT);
    expect(note.signatures.map((s) => [s.name, s.keyId.toString(16), s.signature.length])).toEqual([
      ['example.com/behind-the-sofa', '33de0ae', 64],
      ['witness.example.com/w1', '8d66cf3f', 72],
    ]);
    const time = new DataView(note.signatures[1]!.signature.buffer, note.signatures[1]!.signature.byteOffset).getBigUint64(0);
    expect(time).toBe(1679315147n);
    expect(formatNote(note.text, note.signatures)).toBe(SOFA_NOTE);
  });

  it('formatNote and signatureLine give back the exact bytes', () => {
    const { text, signatures } = parseNote(EXAMPLE_NOTE);
    expect(signatureLine(signatures[0]!)).toBe(EXAMPLE_NOTE.slice(text.length + 1));
    expect(formatNote(text, signatures)).toBe(EXAMPLE_NOTE);
  });

  const refused: [string, string][] = [
    ['no blank line', 'a\n— k AAAAAAA=\n'],
    ['no signature lines', 'a\n\n'],
    ['no final newline', 'a\n\n— k AAAAAAA='],
    ['blank line after the signatures', 'a\n\n— k AAAAAAA=\n\n'],
    ['carriage return', 'a\r\n\n— k AAAAAAA=\n'],
    ['tab', 'a\tb\n\n— k AAAAAAA=\n'],
    ['NUL', 'a\u0000\n\n— k AAAAAAA=\n'],
    ['lone surrogate', 'a\uD800\n\n— k AAAAAAA=\n'],
    ['hyphen instead of em dash', 'a\n\n- k AAAAAAA=\n'],
    ['no space after the dash', 'a\n\n—k AAAAAAA=\n'],
    ['two spaces', 'a\n\n—  k AAAAAAA=\n'],
    ['space before the signature twice', 'a\n\n— k  AAAAAAA=\n'],
    ['empty key name', 'a\n\n—  AAAAAAA=\n'],
    ['plus in the key name', 'a\n\n— k+1 AAAAAAA=\n'],
    ['no-break space in the key name', 'a\n\n— k\u00a0x AAAAAAA=\n'],
    ['em space in the key name', 'a\n\n— k\u2003x AAAAAAA=\n'],
    ['next line in the key name', 'a\n\n— k\u0085x AAAAAAA=\n'],
    ['no signature', 'a\n\n— k\n'],
    ['empty signature', 'a\n\n— k \n'],
    ['base64 without padding', 'a\n\n— k AAAAAAA\n'],
    ['base64url alphabet', 'a\n\n— k AAAA_AA=\n'],
    ['base64 with non-zero trailing bits', 'a\n\n— k AAAAAAB=\n'],
    ['four bytes: a key ID and nothing signed', 'a\n\n— k AAAAAA==\n'],
  ];
  for (const [why, note] of refused) {
    it(`refuses ${why} with ERR_NOTE_INVALID`, () => expect(code(() => parseNote(note))).toBe('ERR_NOTE_INVALID'));
  }

  it('splits at the last blank line: a signature line before it is text (as Go reads it)', () => {
    const note = parseNote('a\n\n— k AAAAAAA=\n\n— k AAAAAAA=\n');
    expect(note.text).toBe('a\n\n— k AAAAAAA=\n');
    expect(note.signatures).toHaveLength(1);
  });

  it('takes up to MAX_NOTE_SIGNATURES signatures (signed-note asks for at least 16), not one more', () => {
    const line = '— k AAAAAAA=\n';
    expect(parseNote(`a\n\n${line.repeat(MAX_NOTE_SIGNATURES)}`).signatures).toHaveLength(MAX_NOTE_SIGNATURES);
    expect(code(() => parseNote(`a\n\n${line.repeat(MAX_NOTE_SIGNATURES + 1)}`))).toBe('ERR_NOTE_INVALID');
  });

  it('refuses what is not a string', () => {
    expect(code(() => parseNote(undefined as unknown as string))).toBe('ERR_NOTE_INVALID');
  });

  it('keeps non-ASCII text and key names (valid UTF-8, no spaces)', () => {
    const note = parseNote('città\n\n— ключ.example/κ AAAAAAA=\n');
    expect(note.text).toBe('città\n');
    expect(note.signatures[0]!.name).toBe('ключ.example/κ');
  });
});

describe('signature lines', () => {
  it('parses a witness answer, and refuses one without its final newline', () => {
    const lines = SOFA_NOTE.slice(SOFA_TEXT.length + 1);
    expect(parseSignatureLines(lines).map((s) => s.name)).toEqual(['example.com/behind-the-sofa', 'witness.example.com/w1']);
    expect(code(() => parseSignatureLines(lines.slice(0, -1)))).toBe('ERR_NOTE_INVALID');
    expect(code(() => parseSignatureLines(''))).toBe('ERR_NOTE_INVALID');
    expect(code(() => parseSignatureLine('k AAAAAAA='))).toBe('ERR_NOTE_INVALID');
  });

  it('formats a key ID as four big-endian bytes', () => {
    expect(signatureLine({ name: 'k', keyId: 0xfffffffe, signature: Uint8Array.of(7) })).toBe('— k /////gc=\n');
    expect(parseSignatureLine('— k /////gc=')).toEqual({ name: 'k', keyId: 0xfffffffe, signature: Uint8Array.of(7) });
  });
});

describe('formatNote and signNote refuse what parseNote would', () => {
  const sig = { name: 'k', keyId: 1, signature: Uint8Array.of(1) };
  it.each([
    ['text without a final newline', () => formatNote('a', [sig])],
    ['empty text', () => formatNote('', [sig])],
    ['a control character', () => formatNote('a\u0007\n', [sig])],
    ['no signature', () => formatNote('a\n', [])],
    ['a key name with a space', () => formatNote('a\n', [{ ...sig, name: 'a b' }])],
    ['a key ID beyond uint32', () => formatNote('a\n', [{ ...sig, keyId: 2 ** 32 }])],
    ['a negative key ID', () => formatNote('a\n', [{ ...sig, keyId: -1 }])],
    ['an empty signature', () => formatNote('a\n', [{ ...sig, signature: new Uint8Array(0) }])],
  ])('%s', (_why, f) => expect(code(f)).toBe('ERR_NOTE_INVALID'));

  it('signNote signs the UTF-8 text and lists signatures in signer order', async () => {
    const seen: Uint8Array[] = [];
    const signer = (name: string, keyId: number) => ({
      name, keyId,
      async sign(text: Uint8Array) {
        seen.push(text);
        return Uint8Array.of(keyId);
      },
    });
    const note = await signNote('è\n', [signer('b', 2), signer('a', 1)]);
    expect(note).toBe('è\n\n— b AAAAAgI=\n— a AAAAAQE=\n');
    expect(seen.map((t) => [...t])).toEqual([[0xc3, 0xa8, 0x0a], [0xc3, 0xa8, 0x0a]]);
    await expect(signNote('è', [signer('a', 1)])).rejects.toMatchObject({ code: 'ERR_NOTE_INVALID' });
  });
});
