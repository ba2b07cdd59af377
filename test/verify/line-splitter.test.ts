// LineSplitter cuts byte chunks into lines for every reader of exports (v2 audit, v1 audit, the
// CLI). Whether a line is too long must not depend on where the chunks were cut, and a line too
// long is said as soon as it is, not when (or if) its end arrives: a reader that stops on it
// (`aegislog audit --gaps`) then reads no further.
import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../src/verify/export-input.js';

const encode = (text: string) => new TextEncoder().encode(text);
const decode = (b: Uint8Array, from: number, to: number) => new TextDecoder().decode(b.subarray(from, to));

/** What a splitter with `maxLine` calls for `chunks`: each line's text, or `overlong` with its number. */
function split(chunks: string[], maxLine: number): string[] {
  const seen: string[] = [];
  const s = new LineSplitter((b, from, to, line) => seen.push(`${line}:${decode(b, from, to)}`), (line) => seen.push(`${line}:overlong`), maxLine);
  for (const chunk of chunks) s.push(encode(chunk));
  s.end();
  return seen;
}

describe('LineSplitter', () => {
  it('refuses a line longer than maxLine however the chunks cut it, and reads one of exactly maxLine', () => {
    const text = 'ab\n12345\n123456\ncd';
    const expected = ['1:ab', '2:12345', '3:overlong', '4:cd'];
    expect(split([text], 5)).toEqual(expected);
    for (let at = 1; at < text.length; at++) expect(split([text.slice(0, at), text.slice(at)], 5)).toEqual(expected);
    expect(split([...text], 5)).toEqual(expected);
  });

  it('says a line is too long as soon as it is, before its end arrives', () => {
    const seen: number[] = [];
    const s = new LineSplitter(() => undefined, (line) => seen.push(line), 5);
    s.push(encode('ok\n123'));
    expect(seen).toEqual([]);
    s.push(encode('456'));
    expect(seen).toEqual([2]);
    s.push(encode('789\nnext\n'));
    s.end();
    expect(seen).toEqual([2]);
    expect(s.lines).toBe(3);
  });

  it('a last line without newline is a line; an empty input has none', () => {
    expect(split(['a\r\n\nb'], 5)).toEqual(['1:a\r', '2:', '3:b']);
    expect(split(['a\n'], 5)).toEqual(['1:a']);
    expect(split([''], 5)).toEqual([]);
    expect(split(['1234567'], 5)).toEqual(['1:overlong']);
  });
});
