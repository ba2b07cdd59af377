// Utf8Check keeps the start of a character cut by a chunk's end "copied: a chunk's buffer may be reused",
// with `chunk.slice(end)`: on a Buffer (every chunk fileChunks yields) slice is a view, not a copy. fileChunks
// starts reading the chunk after next into that very buffer before it yields the next one, so the held bytes
// are overwritten before they are joined: a valid UTF-8 file whose chunk boundary cuts a character is refused
// as "not UTF-8" (exit 2) by audit (v2 and v1) and audit --gaps.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LINE_CHUNK_BYTES, FILE_CHUNK_BYTES, Utf8Check, readChunks, readLineChunks } from '../../src/cli/input.js';

const dir = mkdtempSync(join(tmpdir(), 'aegislog-utf8-held-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Utf8Check: the bytes it holds across chunks', () => {
  it('are its own: a Buffer chunk reused after push (as fileChunks does) does not change the verdict', () => {
    const check = new Utf8Check('f', false);
    const chunk = Buffer.from([0x61, 0xc3]); // "a" and the first byte of "é"
    check.push(chunk);
    chunk.fill(0x7b); // the reader reads the next-but-one chunk into this buffer
    expect(() => {
      check.push(Buffer.from([0xa9, 0x0a])); // the rest of "é", and a line end
      check.end();
    }).not.toThrow();
  });
});

describe('a valid UTF-8 file whose chunk boundaries cut characters', () => {
  // "a" then lines of "é": every chunk boundary (a power of two, so odd once the "a" is counted) cuts an "é".
  const path = join(dir, 'cut.txt');
  writeFileSync(path, `a${`${'é'.repeat(500)}\n`.repeat(((4 * FILE_CHUNK_BYTES) / 1001) | 0)}`);

  it('is read whole by readLineChunks (audit --gaps), every time', async () => {
    for (let pass = 0; pass < 5; pass++) {
      let lines = 0;
      for await (const chunk of readLineChunks(path)) lines += chunk.lines.length;
      expect(lines).toBeGreaterThan(4 * (FILE_CHUNK_BYTES / LINE_CHUNK_BYTES));
    }
  });

  it('is read whole by readChunks (audit --export, version 1), every time', async () => {
    for (let pass = 0; pass < 5; pass++) {
      let bytes = 0;
      for await (const chunk of readChunks(path)) bytes += chunk.length;
      expect(bytes).toBeGreaterThan(3 * FILE_CHUNK_BYTES);
    }
  });
});
