/**
 * An export (PROTOCOL.md §6.2) from whatever the caller holds, as UTF-8 byte
 * chunks cut anywhere, then as lines: a file stream, a `fetch` body, a `Blob`
 * (a dropped file), one string or many, or a sync or async iterable of strings
 * and byte chunks. Lines stay bytes: the receipt lines are read from them directly
 * (receipt-line.ts), and only lines that need JSON.parse are decoded.
 */
import { sourceError, streamItems } from './stream-items.js';

/** What an export can be read from: one string or bytes, a Blob (a dropped file), a stream, or a sync or async iterable of strings and byte chunks. */
export type ExportSource =
  | string
  | Uint8Array
  | Blob
  | ReadableStream<Uint8Array | string>
  | Iterable<string | Uint8Array>
  | AsyncIterable<string | Uint8Array>;

/** Longest line read (an event line may be long; a header or receipt line is well under 64 KiB). */
export const MAX_LINE = 16 * 2 ** 20;
/** Strings are encoded this many UTF-16 units at a time. */
const STRING_PIECE = 2 ** 20;

const encoder = new TextEncoder();

export async function* byteChunks(source: ExportSource): AsyncGenerator<Uint8Array> {
  if (typeof source === 'string') {
    yield* stringChunks(source);
    return;
  }
  if (source instanceof Uint8Array) {
    yield source;
    return;
  }
  if (typeof Blob !== 'undefined' && source instanceof Blob) {
    yield* byteChunks(source.stream() as ReadableStream<Uint8Array>);
    return;
  }
  if (typeof source !== 'object' || source === null) throw sourceError('an export is a string, bytes, a Blob, a ReadableStream or an iterable of strings or bytes');
  if (Symbol.iterator in source) {
    for (const item of source as Iterable<unknown>) yield* itemChunks(item);
    return;
  }
  for await (const item of streamItems(source as AsyncIterable<unknown> | ReadableStream<unknown>)) yield* itemChunks(item);
}

function* itemChunks(item: unknown): Generator<Uint8Array> {
  if (item instanceof Uint8Array) yield item;
  else if (typeof item === 'string') yield* stringChunks(item);
  else throw sourceError('an export is read from strings or byte chunks');
}

/**
 * A string in pieces of a MiB, so that a 400 MB export held as one string is
 * never encoded whole; a piece never ends between the halves of a surrogate pair.
 */
function* stringChunks(text: string): Generator<Uint8Array> {
  for (let from = 0; from < text.length; ) {
    let to = Math.min(text.length, from + STRING_PIECE);
    const last = text.charCodeAt(to - 1);
    if (to < text.length && last >= 0xd800 && last <= 0xdbff) to--;
    yield encoder.encode(text.slice(from, to));
    from = to;
  }
}

/** Called for each line: `b[from..to)` without its `\n`, which `b[to]` holds (a `\r` before it is kept), `line` 1-based. */
export type OnLine = (b: Uint8Array, from: number, to: number, line: number) => void;
/** Called once for a line longer than the splitter's `maxLine` (MAX_LINE), as soon as it is that long: the line is not read. */
export type OnOverlong = (line: number) => void;

/**
 * Cuts byte chunks into lines; a line cut across chunks is joined in a carry buffer, up to `maxLine`
 * bytes. A longer line is refused wherever the chunks are cut (also when one chunk holds it whole),
 * and said at once: nothing more of it is kept, and a reader that stops on it reads no further.
 */
export class LineSplitter {
  private carry = new Uint8Array(1 << 16);
  private carried = 0;
  /** The line being carried is too long and was said to be: the rest of it is skipped. */
  private overlong = false;
  private line = 0;

  constructor(
    private readonly onLine: OnLine,
    private readonly onOverlong: OnOverlong,
    private readonly maxLine = MAX_LINE,
  ) {}

  /** Lines begun so far (the last may be incomplete). */
  get lines(): number {
    return this.line;
  }

  push(chunk: Uint8Array): void {
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, from);
      if (nl < 0) break;
      if (this.overlong) this.overlong = false; // the end of a line already refused
      else if (this.carried > 0) {
        this.append(chunk, from, nl);
        // The line ends here: refused by append just now, or whole.
        if (this.overlong) this.overlong = false;
        else this.emitCarry();
      } else if (nl - from > this.maxLine) this.onOverlong(++this.line);
      else this.onLine(chunk, from, nl, ++this.line);
      from = nl + 1;
    }
    if (from < chunk.length) this.append(chunk, from, chunk.length);
  }

  end(): void {
    if (this.carried > 0) this.emitCarry();
    this.overlong = false;
  }

  private append(chunk: Uint8Array, from: number, to: number): void {
    if (this.overlong) return;
    const needed = this.carried + (to - from);
    if (needed > this.maxLine) {
      this.overlong = true;
      this.carried = 0;
      this.onOverlong(++this.line);
      return;
    }
    if (needed + 1 > this.carry.length) {
      let size = this.carry.length * 2;
      while (size < needed + 1) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.carry.subarray(0, this.carried));
      this.carry = grown;
    }
    this.carry.set(chunk.subarray(from, to), this.carried);
    this.carried = needed;
  }

  private emitCarry(): void {
    const length = this.carried;
    this.carried = 0;
    this.carry[length] = 0x0a; // the line end that readers may rely on after the line
    this.onLine(this.carry, 0, length, ++this.line);
  }
}
