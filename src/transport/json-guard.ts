import type { JsonPath } from '../protocol/jcs.js';

/**
 * Limits a JSON body is held to while its bytes stream in, before `JSON.parse`
 * builds anything: parsing is fast, but a 2 MiB body of `[[[[…` or of `{},{},…`
 * costs about a second and tens of MiB to parse, and as much again to walk.
 */
export interface JsonLimits {
  /** Nesting of objects and arrays; the body itself is depth 1. */
  maxDepth: number;
  /** JSON values in the body: objects, arrays, strings (object keys included), numbers, true, false, null. */
  maxValues: number;
}

/** Roomier than the event's own limits (depth 32): an event a little over them is refused alone, with its field named. */
export const DEFAULT_JSON_LIMITS: JsonLimits = { maxDepth: 64, maxValues: 100_000 };

/** Why a body was refused before parsing. */
export type JsonRefusal = { kind: 'depth' | 'values'; limit: number };

// Byte classes outside strings.
const OTHER = 0, OPEN = 1, CLOSE = 2, QUOTE = 3, NUMBER = 4, LITERAL = 5;
const CLASS = new Uint8Array(256);
for (const c of '{[') CLASS[c.charCodeAt(0)] = OPEN;
for (const c of '}]') CLASS[c.charCodeAt(0)] = CLOSE;
CLASS[0x22] = QUOTE;
for (const c of '-0123456789') CLASS[c.charCodeAt(0)] = NUMBER;
for (const c of 'tfn') CLASS[c.charCodeAt(0)] = LITERAL;
const BACKSLASH = 0x5c;
/** A number literal's bytes: digits, sign, point, exponent. */
const NUMERIC = new Uint8Array(256);
for (const c of '-+.eE0123456789') NUMERIC[c.charCodeAt(0)] = 1;

/**
 * A resumable scan of JSON bytes, fed chunk by chunk as they arrive. It tracks
 * only what the limits need (inside a string or not, depth, a count of values)
 * and notes number literals whose value a double cannot hold (`1e-400` would
 * be stored as 0, `1e400` is Infinity, `9007199254740993` is rounded). It does
 * not validate JSON: `JSON.parse` does that afterwards, on a body known to be
 * small enough to build.
 */
export class JsonScanner {
  depth = 0;
  values = 0;
  /** Byte offsets of number literals that do not survive as a double, in order. */
  readonly badNumbers: number[] = [];
  private offset = 0;
  private inString = false;
  /** The previous chunk ended inside a string on an odd run of backslashes: the next byte is escaped. */
  private escaped = false;
  /** A number literal cut by the end of the previous chunk: its start offset and text so far. */
  private pending: { at: number; text: string } | undefined;

  constructor(private readonly limits: JsonLimits) {}

  /** Scans the next chunk; returns a refusal as soon as a limit is passed (the rest need not be read). */
  push(chunk: Uint8Array): JsonRefusal | undefined {
    const n = chunk.length;
    let i = 0;
    if (this.pending) {
      while (i < n && NUMERIC[chunk[i]!]) i++;
      this.pending.text += latin1(chunk, 0, i);
      if (i === n) return (this.offset += n), undefined;
      this.number(this.pending.at, this.pending.text);
      this.pending = undefined;
    }
    const { maxDepth, maxValues } = this.limits;
    while (i < n) {
      if (this.inString) {
        i = this.skipString(chunk, i);
        continue;
      }
      switch (CLASS[chunk[i]!]) {
        case OTHER:
          i++;
          break;
        case QUOTE:
          this.inString = true;
          this.values++;
          i++;
          break;
        case OPEN:
          if (++this.depth > maxDepth) return { kind: 'depth', limit: maxDepth };
          this.values++;
          i++;
          break;
        case CLOSE:
          this.depth--;
          i++;
          break;
        case LITERAL: // the t of true, f of false, n of null; their other letters are OTHER
          this.values++;
          i++;
          break;
        default: {
          this.values++;
          const start = i;
          let digits = 0;
          let plain = true; // no exponent
          for (; i < n; i++) {
            const c = chunk[i]!;
            if (!NUMERIC[c]) break;
            if (c === 0x65 || c === 0x45) plain = false;
            else if (c >= 0x30) digits++;
          }
          if (i === n) this.pending = { at: this.offset + start, text: latin1(chunk, start, n) };
          // Up to 15 significant digits and no exponent: always exact as a double (DBL_DIG), the common case.
          else if (!plain || digits > 15) this.number(this.offset + start, latin1(chunk, start, i));
        }
      }
      if (this.values > maxValues) return { kind: 'values', limit: maxValues };
    }
    this.offset += n;
    return undefined;
  }

  /** Call once the body has ended: checks a number literal that ended with it. */
  end(): void {
    if (this.pending) this.number(this.pending.at, this.pending.text);
    this.pending = undefined;
  }

  private number(at: number, text: string): void {
    if (!survives(text)) this.badNumbers.push(at);
  }

  /** From inside a string: the index after its closing quote, or the chunk's end. */
  private skipString(chunk: Uint8Array, from: number): number {
    const n = chunk.length;
    const quote = chunk.indexOf(0x22, from);
    const stop = quote < 0 ? n : quote;
    let run = 0;
    let j = stop - 1;
    while (j >= from && chunk[j] === BACKSLASH) run++, j--;
    if (j < from && this.escaped) run++; // the run goes on from the previous chunk
    this.escaped = false;
    if (quote < 0) {
      this.escaped = run % 2 === 1;
      return n;
    }
    if (run % 2 === 0) this.inString = false; // else an escaped quote: the string goes on
    return quote + 1;
  }
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  // In slices: `apply` over a whole chunk's number literal (one chunk may be the whole body) overflows the stack.
  let text = '';
  for (let at = start; at < end; at += 8192) text += String.fromCharCode.apply(null, bytes.subarray(at, Math.min(end, at + 8192)) as unknown as number[]);
  return text;
}

/**
 * Whether a JSON number literal keeps its value as a double: its decimal value
 * equals that of the shortest text of the double it parses to. `0.1` does (the
 * double's shortest text is `0.1`); `1e-400` (0), `1e400` (Infinity) and
 * `12345678901234567890` (…7000) do not. Text that is no number at all passes:
 * `JSON.parse` refuses it.
 */
export function survives(text: string): boolean {
  const value = Number(text);
  if (value !== value) return true;
  return Number.isFinite(value) && decimal(text) === decimal(String(value));
}

/** A number's text as `[-]digitsEexponent`, with no leading or trailing zeros, so that equal values compare equal. */
function decimal(text: string): string {
  const e = text.search(/[eE]/);
  const mantissa = e < 0 ? text : text.slice(0, e);
  const negative = mantissa.startsWith('-');
  const unsigned = negative ? mantissa.slice(1) : mantissa;
  const point = unsigned.indexOf('.');
  const digits = point < 0 ? unsigned : unsigned.slice(0, point) + unsigned.slice(point + 1);
  let lead = 0;
  while (lead < digits.length && digits[lead] === '0') lead++;
  let end = digits.length;
  while (end > lead && digits[end - 1] === '0') end--;
  if (lead === end) return '0';
  const exponent = (point < 0 ? unsigned.length : point) - lead + (e < 0 ? 0 : Number(text.slice(e + 1)));
  return `${negative ? '-' : ''}${digits.slice(lead, end)}E${exponent}`;
}

/**
 * The JSON path (`events[3].performance_metrics.latency_ms`) of the values
 * starting at the given byte offsets of a body that `JSON.parse` accepted, or
 * `null` for a value that `JSON.parse` dropped: one under an object key that
 * the same object repeats later (the last one wins), which is in no event.
 * Walks the whole text: only for answering an error.
 */
export function pathsAt(bytes: Uint8Array, offsets: readonly number[]): (JsonPath | undefined | null)[] {
  const found: { path: JsonPath | undefined; under: Slot[] }[] = [];
  // One frame per open container: its path, and for an object the key just read, with the slot of
  // each key seen so far (a repeated key drops the slot of its earlier value).
  const stack: Frame[] = [];
  const here = (): JsonPath | undefined => {
    const top = stack[stack.length - 1];
    if (!top) return undefined;
    return { up: top.path, key: top.array ? top.index : top.key! };
  };
  let next = 0;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (i === offsets[next]) {
      found.push({ path: here(), under: stack.flatMap((frame) => (frame.slot ? [frame.slot] : [])) });
      next++;
    }
    if (c === 0x22) {
      let j = i + 1;
      while (bytes[j] !== 0x22) j += bytes[j] === BACKSLASH ? 2 : 1;
      const top = stack[stack.length - 1];
      let k = j + 1;
      while (bytes[k] === 0x20 || bytes[k] === 0x0a || bytes[k] === 0x0d || bytes[k] === 0x09) k++;
      if (top && !top.array && bytes[k] === 0x3a) {
        const key = JSON.parse(new TextDecoder().decode(bytes.subarray(i, j + 1))) as string;
        const earlier = top.slots!.get(key);
        if (earlier) earlier.dropped = true;
        top.key = key;
        top.slot = { dropped: false };
        top.slots!.set(key, top.slot);
      }
      i = j;
    } else if (c === 0x7b || c === 0x5b) {
      const array = c === 0x5b;
      stack.push({ path: here(), index: 0, key: undefined, array, slots: array ? undefined : new Map(), slot: undefined });
    } else if (c === 0x7d || c === 0x5d) {
      stack.pop();
    } else if (c === 0x2c) {
      const top = stack[stack.length - 1];
      if (top?.array) top.index++;
    }
  }
  return found.map(({ path, under }) => (under.some((slot) => slot.dropped) ? null : path));
}

/** Where an object key's value sits; `dropped` once the object repeats the key. */
interface Slot {
  dropped: boolean;
}

interface Frame {
  path: JsonPath | undefined;
  index: number;
  key: string | undefined;
  array: boolean;
  slots: Map<string, Slot> | undefined;
  slot: Slot | undefined;
}
