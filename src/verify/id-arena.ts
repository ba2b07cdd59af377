/**
 * The event_ids of an audit, kept as UTF-16 code units in one growing typed array
 * rather than as a million strings: the garbage collector marks a typed array in
 * one step, while a million live strings slow every major collection of a long
 * audit. Compared the way JavaScript compares strings (code unit by code unit),
 * which for the protocol's ASCII ids is bytewise order.
 */
export class IdArena {
  private codes: Uint16Array;
  private starts: Float64Array;
  private size = 0;

  /** Room for `ids` ids of up to 16 code units before the arrays grow. */
  constructor(ids = 1024) {
    this.codes = new Uint16Array(Math.max(1 << 16, 16 * ids));
    this.starts = new Float64Array(ids + 1);
  }

  get length(): number {
    return this.size;
  }

  push(id: string): void {
    const at = this.starts[this.size]!;
    if (at + id.length > this.codes.length) this.codes = grown(this.codes, at + id.length);
    for (let k = 0; k < id.length; k++) this.codes[at + k] = id.charCodeAt(k);
    if (this.size + 2 > this.starts.length) this.starts = grown(this.starts, this.size + 2);
    this.starts[++this.size] = at + id.length;
  }

  /** Pushes the id held as ASCII bytes in `b[from..to)` (a plain string token's text): the same as `push` of its string. */
  pushAscii(b: Uint8Array, from: number, to: number): void {
    const at = this.starts[this.size]!;
    if (at + to - from > this.codes.length) this.codes = grown(this.codes, at + to - from);
    for (let k = from; k < to; k++) this.codes[at + k - from] = b[k]!;
    if (this.size + 2 > this.starts.length) this.starts = grown(this.starts, this.size + 2);
    this.starts[++this.size] = at + to - from;
  }

  /** Negative, zero or positive as id `a` sorts before, with or after id `b`. */
  compare(a: number, b: number): number {
    const { codes, starts } = this;
    const [aFrom, aTo, bFrom, bTo] = [starts[a]!, starts[a + 1]!, starts[b]!, starts[b + 1]!];
    const common = Math.min(aTo - aFrom, bTo - bFrom);
    for (let k = 0; k < common; k++) {
      const diff = codes[aFrom + k]! - codes[bFrom + k]!;
      if (diff !== 0) return diff;
    }
    return aTo - aFrom - (bTo - bFrom);
  }

  get(i: number): string {
    let text = '';
    for (let k = this.starts[i]!; k < this.starts[i + 1]!; k++) text += String.fromCharCode(this.codes[k]!);
    return text;
  }
}

function grown<T extends Uint16Array | Float64Array>(array: T, needed: number): T {
  let length = array.length * 2;
  while (length < needed) length *= 2;
  const out = new (array.constructor as new (length: number) => T)(length);
  out.set(array);
  return out;
}
