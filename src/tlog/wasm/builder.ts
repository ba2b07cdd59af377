import { sha256 } from '../../protocol/index.js';
import type { TreeBuilder, TreeStart } from '../tree-builder.js';
import { BATCH, IN, OUT, STACK, type TreeWasm } from './engine.js';

const WORD = 0x1_0000_0000;

/**
 * The streaming tree of JsTreeBuilder, hashed in WebAssembly. Leaves wait in a
 * batch of 1,024; a full batch that starts on a multiple of 1,024 leaves is a
 * perfect subtree, hashed four lanes at a time. The module's memory is shared by
 * every builder, so each keeps its own stack and lends it to the module per batch.
 */
export class WasmTreeBuilder implements TreeBuilder {
  private readonly stack = new Uint8Array(32 * 64);
  private readonly pending = new Uint8Array(32 * BATCH);
  private waiting = 0;
  private depth = 0;
  private count = 0;

  constructor(
    private readonly wasm: TreeWasm,
    start?: TreeStart,
  ) {
    if (!start) return;
    start.frontier.forEach((hash, i) => this.stack.set(hash, 32 * i));
    this.depth = start.frontier.length;
    this.count = start.size;
  }

  get size(): number {
    return this.count + this.waiting;
  }

  add32(data: Uint8Array, at = 0): void {
    const { pending } = this;
    const to = 32 * this.waiting++;
    for (let i = 0; i < 32; i++) pending[to + i] = data[at + i]!;
    if (this.waiting === BATCH) this.flush();
  }

  addLeafHash(hash: Uint8Array): void {
    this.flush();
    const { memory } = this.wasm;
    memory.set(this.stack.subarray(0, 32 * this.depth), STACK);
    memory.set(hash, STACK + 32 * this.depth);
    this.count++;
    this.keep(this.merged(this.depth + 1, this.count));
  }

  root(): Uint8Array {
    this.flush();
    if (this.depth === 0) return sha256(new Uint8Array(0));
    const { memory } = this.wasm;
    memory.set(this.stack.subarray(0, 32 * this.depth), STACK);
    this.wasm.fold(this.depth);
    return memory.slice(OUT, OUT + 32);
  }

  frontier(): Uint8Array[] {
    this.flush();
    return Array.from({ length: this.depth }, (_, i) => this.stack.slice(32 * i, 32 * i + 32));
  }

  private flush(): void {
    const n = this.waiting;
    if (n === 0) return;
    const { memory } = this.wasm;
    memory.set(this.stack.subarray(0, 32 * this.depth), STACK);
    let depth = this.depth;
    if (n === BATCH && this.count % BATCH === 0) {
      memory.set(this.pending.subarray(0, 32 * n), IN);
      // Pushed with an odd batch count (no merges), then merged here by the real one, which may be beyond 32 bits.
      depth = this.merged(this.wasm.absorbPerfect(depth, 1), (this.count + n) / BATCH);
    } else {
      // The module counts leaves in 32 bits, which is all its merges need, except where the count reaches a
      // multiple of 2^32 (its low bits all 0): that leaf is pushed without merges and merged here.
      let count = this.count;
      for (let at = 0; at < n; ) {
        const low = count % WORD;
        const k = Math.min(n - at, WORD - low - 1);
        if (k > 0) {
          memory.set(this.pending.subarray(32 * at, 32 * (at + k)), IN);
          depth = this.wasm.absorb(k, depth, low);
        } else {
          memory.set(this.pending.subarray(32 * at, 32 * (at + 1)), IN);
          depth = this.merged(this.wasm.absorb(1, depth, 0), count + 1);
        }
        const taken = Math.max(k, 1);
        count += taken;
        at += taken;
      }
    }
    this.count += n;
    this.waiting = 0;
    this.keep(depth);
  }

  /** `merge` for a count of any size: as many pair merges as its trailing zero bits, 31 at a time past 32 bits. */
  private merged(depth: number, count: number): number {
    while (count % WORD === 0) {
      depth = this.wasm.merge(depth, 0x8000_0000); // bit 31 alone: 31 merges
      count /= 0x8000_0000;
    }
    return this.wasm.merge(depth, count % WORD);
  }

  private keep(depth: number): void {
    this.depth = depth;
    this.stack.set(this.wasm.memory.subarray(STACK, STACK + 32 * depth));
  }
}
