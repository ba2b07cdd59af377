/**
 * The receipts of a period export, from whatever the caller holds: receipt
 * objects, strings of one or more NDJSON lines (a whole `GET /export` body, or its
 * lines), or UTF-8 byte chunks cut anywhere (a `fetch` body, a file stream). Sync
 * or async iterables, or a ReadableStream. Items come out in batches, so a
 * million receipts cost a few hundred awaits, not a million.
 */
import { DuplicateNameError, parseStrictJson } from '../protocol/duplicate-names.js';
import { MAX_LINE } from './export-input.js';
import { sourceError, streamItems } from './stream-items.js';
import { TextLines } from './text-lines.js';

/** A line that cannot be read. Everything else in a batch is a value as read. */
export class LineError {
  constructor(readonly reason: string) {}
}

export type ReceiptSource = string | Iterable<unknown> | AsyncIterable<unknown> | ReadableStream<Uint8Array | string>;

const BATCH = 4096;

export async function* readReceipts(source: ReceiptSource): AsyncGenerator<unknown[]> {
  const lines = new LineReader();
  if (typeof source !== 'string' && (typeof source !== 'object' || source === null)) throw sourceError('receipts are a string, an iterable or async iterable, or a ReadableStream');
  if (typeof source === 'string' || Symbol.iterator in source) {
    let batch: unknown[] = [];
    for (const item of typeof source === 'string' ? [source] : (source as Iterable<unknown>)) {
      lines.push(item, batch);
      if (batch.length >= BATCH) {
        yield batch;
        batch = [];
      }
    }
    lines.end(batch);
    if (batch.length) yield batch;
    return;
  }
  for await (const item of streamItems(source)) {
    const batch: unknown[] = [];
    lines.push(item, batch);
    if (batch.length) yield batch;
  }
  const last: unknown[] = [];
  lines.end(last);
  if (last.length) yield last;
}

/**
 * Turns items into receipts: objects as they are, strings as whole lines, bytes as a UTF-8 stream cut anywhere.
 * Bytes are read into lines as the version-2 reader reads them (LineSplitter, through TextLines): a line cut
 * across chunks is joined once, when it ends, and one longer than MAX_LINE bytes is a problem of which nothing
 * more is kept. The first line that is not UTF-8 is a problem, and nothing after it is read.
 */
class LineReader {
  private readonly lines = new TextLines({
    line: (text) => {
      if (!this.broken) parseRaw(text, this.out);
    },
    overlong: () => {
      if (!this.broken) this.out.push(tooLong());
    },
    invalid: () => {
      if (this.broken) return;
      this.broken = true;
      this.out.push(new LineError('the export is not valid UTF-8; reading stopped there'));
    },
  });
  /** Where the lines of the bytes being pushed go. */
  private out: unknown[] = [];
  private broken = false;

  push(item: unknown, out: unknown[]): void {
    if (item instanceof Uint8Array) {
      if (this.broken) return;
      this.out = out;
      this.lines.push(item);
    } else if (typeof item === 'string') {
      parseLines(item.split('\n'), out);
    } else {
      out.push(item);
    }
  }

  end(out: unknown[]): void {
    if (this.broken) return;
    this.out = out;
    this.lines.end(); // a last line without newline; one that ends inside a character is not UTF-8
  }
}

const tooLong = () => new LineError(`the line is longer than ${MAX_LINE / 2 ** 20} MiB`);

function parseLines(lines: string[], out: unknown[]): void {
  for (const raw of lines) parseRaw(raw, out);
}

/** A line's value into `out`; nothing for a blank line. */
function parseRaw(raw: string, out: unknown[]): void {
  if (raw.length === 0) return;
  const value = parseLine(raw);
  if (!(value instanceof LineError) || !/^\s*$/.test(raw)) out.push(value);
}

/**
 * A line's value, or a `LineError` when it is not JSON (JSON.parse itself allows the \r of CRLF lines)
 * or gives a member name twice, which readers read to different receipts (duplicate-names.ts).
 */
export function parseLine(raw: string): unknown {
  try {
    return parseStrictJson(raw);
  } catch (error) {
    return new LineError(error instanceof DuplicateNameError ? error.message : 'the line is not JSON');
  }
}
