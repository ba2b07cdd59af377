import { AegisLogError, sha256 } from '../protocol/index.js';
import { bytesToWords, leafWords, nodeWords, wordsToBytes } from './sha256-tree.js';
import { WasmTreeBuilder } from './wasm/builder.js';
import { treeWasm } from './wasm/engine.js';

/** An RFC 9162 tree built one leaf at a time (see JsTreeBuilder for how). */
export interface TreeBuilder {
  readonly size: number;
  add32(data: Uint8Array, at?: number): void;
  addLeafHash(hash: Uint8Array): void;
  /** The root over every leaf added so far; `SHA-256("")` for none. The builder stays usable. */
  root(): Uint8Array;
  /** The frontier at `size` (PROTOCOL.md §5): roots of the perfect subtrees of its binary decomposition, largest first. */
  frontier(): Uint8Array[];
}

/** Where a builder starts: an empty tree, or a tree of `size` leaves known only by its frontier. */
export interface TreeStart {
  size: number;
  frontier: readonly Uint8Array[];
}

/** The WebAssembly builder where the runtime allows it, else the JavaScript one: same roots. */
export function createTreeBuilder(start?: TreeStart): TreeBuilder {
  if (start) checkStart(start);
  const wasm = treeWasm();
  return wasm ? new WasmTreeBuilder(wasm, start) : new JsTreeBuilder(start);
}

/** A frontier has one 32-byte hash per set bit of the size (at most 53 for a safe integer). */
export function checkStart({ size, frontier }: TreeStart): void {
  if (!Number.isSafeInteger(size) || size < 0) throw new AegisLogError('ERR_PROOF_INVALID', 'size must be a non-negative safe integer', { field: 'size' });
  if (!Array.isArray(frontier)) throw new AegisLogError('ERR_PROOF_INVALID', 'frontier must be an array of hashes', { field: 'frontier' });
  const expected = popCount(size);
  if (frontier.length !== expected) {
    throw new AegisLogError('ERR_PROOF_INVALID', `a tree of ${size} has a frontier of ${expected} hashes, not ${frontier.length}`, { field: 'frontier' });
  }
  frontier.forEach((hash, i) => {
    if (!(hash instanceof Uint8Array) || hash.length !== 32) {
      throw new AegisLogError('ERR_HASH_LENGTH', `frontier[${i}] must be a 32-byte hash`, { field: `frontier[${i}]` });
    }
  });
}

/** Set bits of a safe integer (beyond 2^32 too: arithmetic, not bit operations). */
export function popCount(n: number): number {
  let bits = 0;
  for (; n > 0; n = Math.floor(n / 2)) bits += n % 2;
  return bits;
}

/** Enough for 2^64 leaves: the stack holds one subtree root per set bit of the count. */
const MAX_DEPTH = 64;

/**
 * Streaming RFC 9162 tree: leaves go in one at a time and only the roots of the
 * complete subtrees so far are kept (at most one per bit of the count), so a
 * period of a million receipts costs 2 KB, never the leaves themselves.
 *
 * After leaf i the stack holds the perfect subtrees of the binary expansion of
 * i + 1, largest first; merging every pair whose sizes match gives the same
 * shape as RFC 9162's "split at the largest power of two below n", and the root
 * is those subtrees folded right to left.
 */
export class JsTreeBuilder implements TreeBuilder {
  private readonly stack = new Int32Array(8 * MAX_DEPTH);
  private depth = 0;
  private count = 0;

  constructor(start?: TreeStart) {
    if (!start) return;
    start.frontier.forEach((hash, i) => bytesToWords(hash, this.stack, 8 * i));
    this.depth = start.frontier.length;
    this.count = start.size;
  }

  get size(): number {
    return this.count;
  }

  add32(data: Uint8Array, at = 0): void {
    leafWords(data, at, this.stack, 8 * this.depth++);
    this.merge();
  }

  addLeafHash(hash: Uint8Array): void {
    bytesToWords(hash, this.stack, 8 * this.depth++);
    this.merge();
  }

  private merge(): void {
    this.count++;
    // Each trailing zero bit of the new count is a pair of equal subtrees to merge.
    for (let n = this.count; n % 2 === 0; n /= 2) {
      const right = 8 * --this.depth;
      nodeWords(this.stack, right - 8, this.stack, right, this.stack, right - 8);
    }
  }

  root(): Uint8Array {
    if (this.depth === 0) return sha256(new Uint8Array(0));
    const acc = this.stack.slice(8 * (this.depth - 1), 8 * this.depth);
    for (let j = this.depth - 2; j >= 0; j--) nodeWords(this.stack, 8 * j, acc, 0, acc, 0);
    return wordsToBytes(acc, 0);
  }

  frontier(): Uint8Array[] {
    return Array.from({ length: this.depth }, (_, i) => wordsToBytes(this.stack, 8 * i));
  }
}
