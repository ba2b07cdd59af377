import { existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { LINE_CHUNK_BYTES, NotUtf8, Utf8Check, decodeUtf8, fileChunks, parseJsonOrNdjson, readLineChunks } from '../../src/cli/input.js';

const dir = mkdtempSync(join(tmpdir(), 'aegislog-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every line readLineChunks gives for `text` written to a file, and the byte counts it reported. */
async function linesOf(text: string): Promise<{ lines: string[]; texts: string[]; bytes: number[] }> {
  const path = join(dir, `f${Math.random().toString(36).slice(2)}.ndjson`);
  writeFileSync(path, text);
  const lines: string[] = [];
  const texts: string[] = [];
  const bytes: number[] = [];
  for await (const chunk of readLineChunks(path, (n) => bytes.push(n))) {
    lines.push(...chunk.lines);
    texts.push(chunk.text);
    expect(chunk.lines).toEqual(chunk.text.split('\n'));
  }
  return { lines, texts, bytes };
}

describe('readLineChunks', () => {
  it('gives every line whole when lines cross the edges of the chunks it reads', async () => {
    // Lines of many lengths, so that the chunk edges fall at every place within a line.
    const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ i, pad: 'x'.repeat((i * 37) % 211) }));
    const text = `${lines.join('\n')}\n`;
    expect(text.length).toBeGreaterThan(4 * LINE_CHUNK_BYTES);
    const read = await linesOf(text);
    expect(read.lines).toEqual(lines);
    expect(read.texts.length).toBeGreaterThan(1);
    expect(read.bytes.at(-1)).toBe(Buffer.byteLength(text));
  });

  it('keeps a line longer than several chunks, and a character whose UTF-8 bytes a chunk edge cuts', async () => {
    const long = `{"event":"${'é'.repeat(LINE_CHUNK_BYTES * 1.5)}"}`; // 3 chunks of bytes, 2 bytes a character
    const cut = `${'a'.repeat(LINE_CHUNK_BYTES - 1)}€b`; // € (3 bytes) starts at the last byte of a chunk
    const read = await linesOf(`first\n${long}\n${cut}\nlast`);
    expect(read.lines).toEqual(['first', long, cut, 'last']);
  });

  it('keeps the \\r of CRLF, blank lines and a last line without newline; drops a byte order mark at the start only', async () => {
    const read = await linesOf('\uFEFFa\r\n\n\r\n\uFEFFb\nc');
    expect(read.lines).toEqual(['a\r', '', '\r', '\uFEFFb', 'c']);
    expect((await linesOf('a\n')).lines).toEqual(['a']);
    expect((await linesOf('\n')).lines).toEqual(['']);
  });

  it('gives nothing for an empty file', async () => {
    expect((await linesOf('')).lines).toEqual([]);
  });
});

describe('fileChunks', () => {
  const write = (bytes: Uint8Array) => {
    const path = join(dir, `c${Math.random().toString(36).slice(2)}.bin`);
    writeFileSync(path, bytes);
    return path;
  };

  it('gives every byte once, in order, when the file is not a whole number of chunks', async () => {
    const bytes = Uint8Array.from({ length: 10 * 1024 + 123 }, (_, i) => (i * 131) % 251);
    const seen: number[] = [];
    const sizes: number[] = [];
    // Each chunk is copied before the next is asked for: the reader writes into its buffers again.
    for await (const chunk of fileChunks(write(bytes), 1024)) {
      sizes.push(chunk.length);
      seen.push(...chunk);
    }
    expect(Uint8Array.from(seen)).toEqual(bytes);
    expect(sizes).toEqual([...Array(10).fill(1024), 123]);
  });

  it('gives nothing for an empty file, and throws the fs error for a missing one', async () => {
    const chunks: Uint8Array[] = [];
    for await (const chunk of fileChunks(write(new Uint8Array(0)))) chunks.push(chunk);
    expect(chunks).toEqual([]);
    await expect(fileChunks(join(dir, 'missing.bin')).next()).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('throws a read that failed while the caller was busy with the chunk before, as the read\'s error', async () => {
    const path = write(new Uint8Array(4096));
    // A disk error on the second read (EIO), which has begun when the first chunk is handed over.
    const handle = await open(path, 'r');
    const proto = Object.getPrototypeOf(handle) as { read: (...args: unknown[]) => Promise<unknown> };
    await handle.close();
    const read = proto.read;
    let reads = 0;
    // Patched by hand: a vi.spyOn would watch the promise it returns, and so handle its rejection.
    proto.read = function (this: unknown, ...args: unknown[]) {
      return ++reads === 2 ? Promise.reject(Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' })) : read.apply(this, args);
    };
    // A process that meets an unhandled rejection dies (Node's default), as `aegislog audit` did here.
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const chunks = fileChunks(path, 1024);
      expect((await chunks.next()).value).toHaveLength(1024);
      // The caller works on: macrotasks pass while the second read fails. Unwatched, its rejection was unhandled.
      for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
      await expect(chunks.next()).rejects.toMatchObject({ code: 'EIO' });
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      proto.read = read;
    }
  });

  it.runIf(existsSync('/proc/self/fd'))('closes the file when the caller stops early', async () => {
    const path = write(new Uint8Array(8192));
    const opened = () => readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === path;
      } catch {
        return false; // the fd of readdirSync itself, closed by now
      }
    }).length;
    for await (const _chunk of fileChunks(path, 1024)) {
      expect(opened()).toBe(1);
      break;
    }
    expect(opened()).toBe(0);
  });
});

describe('parseJsonOrNdjson', () => {
  const bundle = { v: 2, status: 'sealed', receipt: { tenant_id: 'acme', event_id: 'evt-1' }, checkpoint: 'x' };
  const reason = (text: string) => {
    try {
      parseJsonOrNdjson(text, 'b.json');
    } catch (error) {
      return (error as Error).message;
    }
    return undefined;
  };

  it('names the line and column of the mistake in a pretty-printed bundle, not its first line', () => {
    const pretty = JSON.stringify(bundle, null, 2).split('\n');
    pretty[2] = `${pretty[2]},`; // "status": "sealed",,
    expect(reason(`${pretty.join('\n')}\n`)).toMatch(/^b\.json is not valid JSON \(unexpected "," at line 3, column \d+: /);
    expect(reason(JSON.stringify(bundle, null, 2).slice(0, -20))).toMatch(/^b\.json is not valid JSON \(unexpected end of input at line \d+, column \d+/);
  });

  it('still reads NDJSON, naming the line (counted in the file) that is not JSON', () => {
    const line = JSON.stringify(bundle);
    expect(parseJsonOrNdjson(`${line}\n\n${line}\n`, 'b.json')).toEqual({ values: [bundle, bundle], many: true });
    expect(reason(`\n${line}\n${line.slice(0, -5)}\n`)).toMatch(/^b\.json line 3 is not valid JSON/);
    expect(reason('{"v":2,\n')).toMatch(/^b\.json is not valid JSON \(unexpected end of input at column 8/);
  });
});

describe('decodeUtf8 and Utf8Check: input that is not UTF-8', () => {
  /** Where each refuses `bytes` (`undefined`: it takes them), whole or pushed in the given chunks. */
  const whole = (bytes: Uint8Array) => placeOf(() => decodeUtf8(bytes, 'f'));
  const streamed = (bytes: Uint8Array, size: number, countLines: boolean) =>
    placeOf(() => {
      const check = new Utf8Check('f', countLines);
      for (let at = 0; at < bytes.length; at += size) check.push(bytes.slice(at, at + size)); // a fresh copy: the check keeps none
      check.end();
    });
  function placeOf(read: () => unknown): { offset: number; line: number | undefined } | undefined {
    try {
      read();
      return undefined;
    } catch (error) {
      if (!(error instanceof NotUtf8)) throw error;
      expect(error.message).toBe(`f is not UTF-8: an invalid byte sequence at ${error.line === undefined ? '' : `line ${error.line}, `}byte offset ${error.offset} (convert the file to UTF-8, e.g. with iconv)`);
      return { offset: error.offset, line: error.line };
    }
  }
  const strict = (bytes: Uint8Array) => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      return true;
    } catch {
      return false;
    }
  };

  it.each([
    ['every length of character, and a BOM at the start', [0xef, 0xbb, 0xbf, ...Buffer.from('a é € 😀 \u{10FFFF}\n')], undefined],
    ['a lone continuation byte', [0x61, 0x0a, 0x80], 2],
    ['an overlong two-byte form', [0x0a, 0x0a, 0xc0, 0xaf], 2],
    ['an overlong three-byte form', [0xe0, 0x80, 0xaf], 0],
    ['a surrogate', [0x61, 0xed, 0xa0, 0x80], 1],
    ['beyond U+10FFFF', [0x0a, 0xf4, 0x90, 0x80, 0x80], 1],
    ['a lead byte without its continuation', [0xe2, 0x82, 0x41], 0],
    ['a character the input ends inside', [0x61, 0x0a, 0xf0, 0x9f, 0x98], 2],
    ['0xFF after lines', [...Buffer.from('ok\n\n'), 0xff], 4],
  ] as const)('%s: refused at the same line and offset whole and in chunks of any size', (_name, list, offset) => {
    const bytes = Uint8Array.from(list);
    expect(strict(bytes)).toBe(offset === undefined);
    const place = offset === undefined ? undefined : { offset, line: bytes.subarray(0, offset).filter((b) => b === 0x0a).length + 1 };
    expect(whole(bytes)).toEqual(place);
    for (let size = 1; size <= bytes.length; size++) {
      expect(streamed(bytes, size, true), `chunks of ${size}`).toEqual(place);
      expect(streamed(bytes, size, false), `chunks of ${size}, lines not counted`).toEqual(place && { offset, line: undefined });
    }
  });

  it('a text of mixed characters with one byte changed: streamed in random cuts, the same verdict and place as whole', () => {
    let seed = 7;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const pieces = ['a', '\n', 'é', '€', '😀', '"', '\u{10FFFF}', 'ß'];
    for (let round = 0; round < 300; round++) {
      const bytes = new TextEncoder().encode(Array.from({ length: 40 }, () => pieces[random(pieces.length)]).join(''));
      if (round % 4 !== 0) bytes[random(bytes.length)] = [0x80, 0xbf, 0xc0, 0xc3, 0xe2, 0xed, 0xf0, 0xf4, 0xf5, 0xff, 0x0a][random(11)]!;
      const expected = whole(bytes);
      expect(expected === undefined, `round ${round}`).toBe(strict(bytes));
      const size = 1 + random(9);
      expect(streamed(bytes, size, true), `round ${round}, chunks of ${size}`).toEqual(expected);
    }
  });

  it('decodeUtf8 drops a BOM at the start only: elsewhere it is text (which JSON then refuses)', () => {
    expect(decodeUtf8(Uint8Array.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), 'f')).toBe('{}');
    expect(decodeUtf8(Uint8Array.from([0x7b, 0x7d, 0x0a, 0xef, 0xbb, 0xbf]), 'f')).toBe('{}\n\ufeff');
  });
});
