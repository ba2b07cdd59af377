/**
 * The lines of a UTF-8 byte stream as strings, for a reader that needs text (the version-1 audit's
 * JSON.parse): LineSplitter cuts them, with its carry and MAX_LINE, and
 * they are decoded strictly, never with U+FFFD for a bad byte. A `\n` is never inside a UTF-8
 * character, so the lines decode exactly when the whole stream does. A byte order mark is
 * dropped from the first line only, as a decoder of the whole stream would.
 */
import { LineSplitter, MAX_LINE } from './export-input.js';

/** What TextLines calls, in line order (`line` 1-based). */
export interface TextLineHandlers {
  /** A line's text, without its `\n` (a `\r` before it is kept). */
  line(text: string, line: number): void;
  /** A line longer than `maxLine` bytes, not read: said as soon as it is that long. */
  overlong(line: number): void;
  /** A line that is not UTF-8 (or ends inside a character), not read. */
  invalid(line: number): void;
}

export class TextLines {
  // The byte order mark is dropped by hand: decoding line by line, the decoder would drop one from each.
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  private readonly split: LineSplitter;
  /** The chunk being pushed, and its lines not decoded yet: bytes [from, to), the first numbered `first`; `to` < 0 for none. */
  private chunk: Uint8Array | undefined;
  private from = 0;
  private to = -1;
  private first = 0;

  constructor(
    private readonly handlers: TextLineHandlers,
    maxLine = MAX_LINE,
  ) {
    this.split = new LineSplitter(
      (b, from, to, line) => this.add(b, from, to, line),
      (line) => {
        this.flush();
        handlers.overlong(line);
      },
      maxLine,
    );
  }

  /** Calls the handlers for the lines that end in `chunk`; `chunk` may be reused once this returns. */
  push(chunk: Uint8Array): void {
    this.chunk = chunk;
    this.split.push(chunk);
    this.flush();
    this.chunk = undefined;
  }

  /** The last line, when the stream does not end with `\n`. */
  end(): void {
    this.split.end();
  }

  /**
   * The lines a chunk holds whole are decoded together, one decode and one split a chunk: the
   * version-1 audit then took 5 % less CPU time than with the string reader before this, and 9 % more
   * with a decode a line (medians of 11 runs, 300,000 receipts). The handlers should be done with a
   * line when they return: each is a slice of a string of up to 64 KiB (the chunk's), which a line kept
   * a while keeps alive; `audit --gaps`, which yields a chunk's lines before it counts them, took 23 %
   * more CPU time so (see readLineChunks, src/cli/input.ts).
   */
  private add(b: Uint8Array, from: number, to: number, line: number): void {
    if (line === 1 && to - from >= 3 && b[from] === 0xef && b[from + 1] === 0xbb && b[from + 2] === 0xbf) from += 3;
    if (b !== this.chunk) {
      // A line joined in the splitter's carry is decoded at once: the splitter writes the carry again before the chunk is done.
      this.flush();
      this.decode(b, from, to, line);
    } else if (this.to >= 0 && from === this.to + 1) {
      this.to = to;
    } else {
      this.flush();
      this.from = from;
      this.to = to;
      this.first = line;
    }
  }

  private flush(): void {
    if (this.to < 0) return;
    const { chunk, from, to, first } = this;
    this.to = -1;
    let text: string;
    try {
      text = this.decoder.decode(chunk!.subarray(from, to));
    } catch {
      // Some line is not UTF-8: each on its own, to say which.
      for (let at = from, line = first; ; line++) {
        const nl = chunk!.indexOf(0x0a, at);
        const end = nl < 0 || nl > to ? to : nl;
        this.decode(chunk!, at, end, line);
        if (end === to) return;
        at = end + 1;
      }
    }
    const lines = text.split('\n');
    for (let k = 0; k < lines.length; k++) this.handlers.line(lines[k]!, first + k);
  }

  private decode(b: Uint8Array, from: number, to: number, line: number): void {
    let text: string;
    try {
      text = this.decoder.decode(b.subarray(from, to));
    } catch {
      this.handlers.invalid(line);
      return;
    }
    this.handlers.line(text, line);
  }
}
