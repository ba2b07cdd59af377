/**
 * `receipt_hash` for audits of a million receipts: the same bytes as the protocol's
 * `receiptHash` (SHA-256 of the statement's JCS form), written without the general
 * canonicalizer or a hasher per call. The statement has seven known members, so its
 * JCS form is a fixed template; JSON.stringify writes strings exactly as RFC 8785
 * does, except lone surrogates, which JCS refuses: those (and anything not a plain
 * string) take the general path, which throws the protocol's error.
 */
import { SIGNING_ALG, isWellFormed, receiptHash, sha256, type ReceiptStatement } from '../protocol/index.js';
import { hashBytes, wordsInto } from '../tlog/sha256-tree.js';
import { IN, IN_SIZE, OUT, OUT4, SLOTS, SLOT_SIZE, treeWasm, type TreeWasm } from '../tlog/wasm/engine.js';

const encoder = new TextEncoder();
let scratch = new Uint8Array(1024);
const words = new Int32Array(8);

/** Writes `receipt_hash` (the protocol's `receiptHash`) into `out[at..at+32)`. */
export function receiptHashInto(receipt: ReceiptStatement, out: Uint8Array, at: number): void {
  const text = statementJcs(receipt);
  const wasm = treeWasm();
  if (text !== undefined && wasm) {
    const { read, written } = encoder.encodeInto(text, wasm.memory.subarray(IN, IN + IN_SIZE));
    if (read === text.length) {
      wasm.digest(IN, written, OUT);
      out.set(wasm.memory.subarray(OUT, OUT + 32), at);
      return;
    }
  }
  if (text === undefined) {
    out.set(receiptHash(receipt), at); // not the template: the protocol's own path, which throws its errors
    return;
  }
  // UTF-8 takes at most 3 bytes per UTF-16 unit; grow once for odd, long statements.
  if (scratch.length < text.length * 3) scratch = new Uint8Array(text.length * 3);
  hashBytes(scratch, encoder.encodeInto(text, scratch).written, words, 0);
  wordsInto(words, 0, out, at);
}

/** Bytes a statement may have to be written into a hasher's `slot()`: the slot less the longest padding. */
export const SLOT_CAPACITY = SLOT_SIZE - 72;

/**
 * Receipt hashes four at a time in WebAssembly SIMD lanes, for audits. A hash is
 * written to `output()[at..at+32)` when its group of four is hashed (or at
 * `flush`); `ready` is how many of the receipts given so far are written, in the
 * order given. `output` is a function because the caller's buffer may grow.
 */
export class ReceiptHasher {
  private readonly targets: number[] = [];
  private readonly lengths: number[] = [];
  private blocks = 0;
  private given = 0;
  private readonly wasm: TreeWasm | undefined = treeWasm();
  /** Each lane's slot, with room for the longest padding (72 bytes) after the message. */
  private readonly slots = [0, 1, 2, 3].map((lane) => this.wasm?.memory.subarray(SLOTS + SLOT_SIZE * lane, SLOTS + SLOT_SIZE * lane + SLOT_CAPACITY));

  constructor(private readonly output: () => Uint8Array) {}

  get ready(): number {
    return this.given - this.targets.length;
  }

  add(receipt: ReceiptStatement, at: number): void {
    const { wasm } = this;
    const text = wasm && statementJcs(receipt);
    const lane = this.targets.length;
    const encoded = text === undefined ? undefined : encoder.encodeInto(text, this.slots[lane]!);
    if (!wasm || encoded === undefined || encoded.read !== text!.length) {
      this.flush();
      receiptHashInto(receipt, this.output(), at);
      this.given++;
      return;
    }
    this.enqueue(encoded.written, at);
  }

  /**
   * Where the next statement's JCS bytes go when the caller writes them itself
   * (an export line read from bytes): at most `SLOT_CAPACITY` bytes, then `commit`.
   */
  slot(): Uint8Array {
    return this.wasm ? this.slots[this.targets.length]! : this.scratch;
  }

  /** Hashes (now or with its group of four) the `length` bytes written into `slot()`, into `output()[at..at+32)`. */
  commit(length: number, at: number): void {
    if (this.wasm) {
      this.enqueue(length, at);
      return;
    }
    hashBytes(this.scratch, length, words, 0);
    wordsInto(words, 0, this.output(), at);
    this.given++;
  }

  /** Hashes statement bytes longer than `SLOT_CAPACITY` (a very long key_id or event_id) alone, after those waiting. */
  commitLong(bytes: Uint8Array, at: number): void {
    this.flush();
    this.output().set(sha256(bytes), at);
    this.given++;
  }

  private readonly scratch = new Uint8Array(SLOT_CAPACITY);

  private enqueue(length: number, at: number): void {
    const wasm = this.wasm!;
    const lane = this.targets.length;
    const blocks = wasm.pad(SLOTS + SLOT_SIZE * lane, length);
    this.targets.push(at);
    this.lengths.push(length);
    this.given++;
    if (lane > 0 && blocks !== this.blocks) this.flushOneByOne();
    else if (lane === 3) this.flush();
    else this.blocks = blocks;
  }

  /** Hashes whatever waits (lanes left empty hash stale bytes, and their results are dropped). */
  flush(): void {
    const { wasm, targets } = this;
    if (!wasm || targets.length === 0) return;
    wasm.digest4(SLOTS, SLOT_SIZE, this.blocks, OUT4);
    const out = this.output();
    for (let lane = 0; lane < targets.length; lane++) out.set(wasm.memory.subarray(OUT4 + 32 * lane, OUT4 + 32 * lane + 32), targets[lane]!);
    this.clear();
  }

  /** Messages of different block counts cannot share lanes: hash each alone (rare: a long key_id or event_id). */
  private flushOneByOne(): void {
    const wasm = this.wasm!;
    const out = this.output();
    this.targets.forEach((at, lane) => {
      wasm.digest(SLOTS + SLOT_SIZE * lane, this.lengths[lane]!, OUT);
      out.set(wasm.memory.subarray(OUT, OUT + 32), at);
    });
    this.clear();
  }

  private clear(): void {
    this.targets.length = 0;
    this.lengths.length = 0;
  }
}

function statementJcs(r: ReceiptStatement): string | undefined {
  const { digest_b64url: d, event_id: e, key_id: k, received_at: t, tenant_id: n } = r;
  if (r.v !== 1 || r.signing_alg !== SIGNING_ALG) return undefined;
  const digest = jcsString(d);
  const event = jcsString(e);
  const key = cachedJcs(k, 0);
  const time = jcsString(t);
  const tenant = cachedJcs(n, 1);
  if (digest === undefined || event === undefined || key === undefined || time === undefined || tenant === undefined) return undefined;
  return `{"digest_b64url":${digest},"event_id":${event},"key_id":${key},"received_at":${time},"signing_alg":"${SIGNING_ALG}","tenant_id":${tenant},"v":1}`;
}

/** Characters that JSON escapes, and surrogates (lone ones JCS refuses; pairs take the careful path). */
const NEEDS_CARE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A string's JCS form, or undefined when JCS refuses it (a lone surrogate) or it is not a string. */
function jcsString(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (!NEEDS_CARE.test(value)) return `"${value}"`;
  return isWellFormed(value) ? JSON.stringify(value) : undefined;
}

/** key_id and tenant_id repeat across a period's receipts: their JCS form is kept from the last receipt. */
const lastSeen: [unknown, string | undefined][] = [[undefined, undefined], [undefined, undefined]];
function cachedJcs(value: unknown, slot: 0 | 1): string | undefined {
  const seen = lastSeen[slot]!;
  if (seen[0] !== value || seen[1] === undefined) {
    seen[0] = value;
    seen[1] = jcsString(value);
  }
  return seen[1];
}
