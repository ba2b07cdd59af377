/**
 * The receipts of a period export, from whatever the caller holds: receipt
 * objects, strings of one or more NDJSON lines (a whole `GET /export` body, or its
 * lines), or UTF-8 byte chunks cut anywhere (a `fetch` body, a file stream). Sync
 * or async iterables, or a ReadableStream. Items come out in batches, so a
 * million receipts cost a few hundred awaits, not a million.
 */
import { MAX_LINE } from './export-input.js';
import { sourceError, streamItems } from './stream-items.js';

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
 * A line cut across chunks is kept in pieces and joined once, when it ends: joining and splitting it again
 * with every chunk took time quadratic in its length (a 20 MiB line without a newline: 16 s). Like the
 * version-2 reader (export-input.ts), a line longer than MAX_LINE is a problem and nothing more of it is kept.
 */
class LineReader {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private pieces: string[] = [];
  /** UTF-16 units of the line carried so far: never more than its UTF-8 bytes, so past MAX_LINE the bytes are too. */
  private carried = 0;
  private overlong = false;
  private broken = false;

  push(item: unknown, out: unknown[]): void {
    if (item instanceof Uint8Array) {
      if (this.broken) return;
      let text: string;
      try {
        text = this.decoder.decode(item, { stream: true });
      } catch {
        this.broken = true;
        out.push(new LineError('the export is not valid UTF-8; reading stopped there'));
        return;
      }
      const lines = text.split('\n');
      const last = lines.pop()!;
      if (lines.length > 0) {
        // The first line ends the one carried from earlier chunks.
        const first = this.take(lines[0]!);
        if (first === undefined) out.push(tooLong());
        else lines[0] = first;
        parseLines(lines, out, first === undefined ? 1 : 0);
      }
      this.hold(last);
    } else if (typeof item === 'string') {
      parseLines(item.split('\n'), out);
    } else {
      out.push(item);
    }
  }

  end(out: unknown[]): void {
    if (!this.broken) {
      // Bytes that begin a character the input never ends are held by the decoder: a flush refuses them.
      try {
        this.decoder.decode();
      } catch {
        this.broken = true;
        out.push(new LineError('the export is not valid UTF-8; reading stopped there'));
        return;
      }
    }
    if (this.carried === 0 && !this.overlong) return;
    const line = this.take('');
    if (line === undefined) out.push(tooLong());
    else parseLines([line], out);
  }

  /** Adds to the line carried; once it is longer than MAX_LINE, drops it and keeps nothing more of it. */
  private hold(text: string): void {
    if (this.overlong) return;
    this.carried += text.length;
    if (this.carried > MAX_LINE) {
      this.overlong = true;
      this.pieces = [];
    } else if (text !== '') this.pieces.push(text);
  }

  /** The carried line ended by `text`, or undefined when it was too long; the next line starts empty. */
  private take(text: string): string | undefined {
    this.hold(text);
    const line = this.overlong ? undefined : this.pieces.join('');
    this.pieces = [];
    this.carried = 0;
    this.overlong = false;
    return line;
  }
}

const tooLong = () => new LineError(`the line is longer than ${MAX_LINE / 2 ** 20} MiB`);

function parseLines(lines: string[], out: unknown[], from = 0): void {
  for (let i = from; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.length === 0) continue;
    const value = parseLine(raw);
    if (!(value instanceof LineError) || !/^\s*$/.test(raw)) out.push(value);
  }
}

/** A line's value, or a `LineError` when it is not JSON (JSON.parse itself allows the \r of CRLF lines). */
export function parseLine(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return new LineError('the line is not JSON');
  }
}
