import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LINE_CHUNK_BYTES, parseJsonOrNdjson, readLineChunks } from '../../src/cli/input.js';

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

  it('gives nothing for an empty file', async () => {
    expect((await linesOf('')).lines).toEqual([]);
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
