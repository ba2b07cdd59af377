import { sha256 } from '../../protocol/index.js';
import type { TreeBuilder, TreeStart } from '../tree-builder.js';
import { BATCH, IN, OUT, STACK, type TreeWasm } from './engine.js';

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
    this.keep(this.wasm.merge(this.depth + 1, this.count));
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
    memory.set(this.pending.subarray(0, 32 * n), IN);
    const perfect = n === BATCH && this.count % BATCH === 0;
    // Only the low bits of the counts matter to the merges, so i32 wrap-around is harmless.
    const depth = perfect ? this.wasm.absorbPerfect(this.depth, (this.count + n) / BATCH) : this.wasm.absorb(n, this.depth, this.count);
    this.count += n;
    this.waiting = 0;
    this.keep(depth);
  }

  private keep(depth: number): void {
    this.depth = depth;
    this.stack.set(this.wasm.memory.subarray(STACK, STACK + 32 * depth));
  }
}
