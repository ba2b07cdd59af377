// TextLines gives the lines of a UTF-8 byte stream as text for the version-1 audit: the same lines
// as the whole stream decoded and split on \n, however the chunks are cut, with a byte order mark
// dropped at the start only and bad bytes named by line.
import { describe, expect, it } from 'vitest';
import { TextLines } from '../../src/verify/text-lines.js';

const encode = (text: string) => new TextEncoder().encode(text);

/** What TextLines calls for `chunks`. */
function read(chunks: Uint8Array[], maxLine = 64): string[] {
  const seen: string[] = [];
  const lines = new TextLines({
    line: (text, line) => seen.push(`${line}:${text}`),
    overlong: (line) => seen.push(`${line}:overlong`),
    invalid: (line) => seen.push(`${line}:invalid`),
  }, maxLine);
  for (const chunk of chunks) lines.push(chunk);
  lines.end();
  return seen;
}

/** `bytes` whole, cut once at every place, and in pieces of 1 to 7 bytes. */
function* cuts(bytes: Uint8Array): Generator<Uint8Array[]> {
  yield [bytes];
  for (let at = 1; at < bytes.length; at++) yield [bytes.subarray(0, at), bytes.subarray(at)];
  for (let size = 1; size <= 7; size++) {
    const pieces: Uint8Array[] = [];
    for (let at = 0; at < bytes.length; at += size) pieces.push(bytes.subarray(at, at + size));
    yield pieces;
  }
}

describe('TextLines', () => {
  it('gives the lines of the whole text wherever the chunks are cut: CRLF, blank lines, no final newline, characters cut', () => {
    const text = '\uFEFF{"a":"é"}\r\n\n€😀 x\n\uFEFFlast';
    const expected = ['1:{"a":"é"}\r', '2:', '3:€😀 x', '4:\uFEFFlast'];
    for (const chunks of cuts(encode(text))) expect(read(chunks)).toEqual(expected);
  });

  it('a line that is not UTF-8 is named, the lines around it are read, wherever the chunks are cut', () => {
    const bytes = new Uint8Array([...encode('one\ntw'), 0xc3, ...encode('o\nthree\nfour'), 0xe2, 0x82]);
    const expected = ['1:one', '2:invalid', '3:three', '4:invalid'];
    for (const chunks of cuts(bytes)) expect(read(chunks)).toEqual(expected);
  });

  it('a line longer than maxLine is said in its place and not read', () => {
    const text = `a\n${'x'.repeat(9)}\nb\n${'y'.repeat(8)}`;
    for (const chunks of cuts(encode(text))) expect(read(chunks, 8)).toEqual(['1:a', '2:overlong', '3:b', `4:${'y'.repeat(8)}`]);
  });
});
