import { sha256 } from '../protocol/index.js';
import { bytesToWords, leafWords, nodeWords, wordsToBytes } from './sha256-tree.js';

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
export class TreeBuilder {
  private readonly stack = new Int32Array(8 * MAX_DEPTH);
  private depth = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Appends a leaf whose data is the 32 bytes at `data[at..at+32)` (a receipt or tenant-head hash). */
  add32(data: Uint8Array, at = 0): void {
    leafWords(data, at, this.stack, 8 * this.depth++);
    this.merge();
  }

  /** Appends an already computed leaf hash (leaves whose data is not 32 bytes). */
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

  /** The root over every leaf added so far; `SHA-256("")` for none. The builder stays usable. */
  root(): Uint8Array {
    if (this.depth === 0) return sha256(new Uint8Array(0));
    const acc = this.stack.slice(8 * (this.depth - 1), 8 * this.depth);
    for (let j = this.depth - 2; j >= 0; j--) nodeWords(this.stack, 8 * j, acc, 0, acc, 0);
    return wordsToBytes(acc, 0);
  }
}
