/**
 * The receipts of a period export, from whatever the caller holds: receipt
 * objects, strings of one or more NDJSON lines (a whole `GET /export` body, or its
 * lines), or UTF-8 byte chunks cut anywhere (a `fetch` body, a file stream). Sync
 * or async iterables, or a ReadableStream. Items come out in batches, so a
 * million receipts cost a few hundred awaits, not a million.
 */
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

/** Turns items into receipts: objects as they are, strings as whole lines, bytes as a UTF-8 stream cut anywhere. */
class LineReader {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private carry = '';
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
      const lines = (this.carry + text).split('\n');
      this.carry = lines.pop()!;
      parseLines(lines, out);
    } else if (typeof item === 'string') {
      parseLines(item.split('\n'), out);
    } else {
      out.push(item);
    }
  }

  end(out: unknown[]): void {
    if (this.carry) parseLines([this.carry], out);
    this.carry = '';
  }
}

function parseLines(lines: string[], out: unknown[]): void {
  for (const raw of lines) {
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
