/**
 * The WebAssembly SHA-256 of tree.wat, where the runtime allows it: hashing four
 * leaves or nodes at once in SIMD lanes is what takes a million-leaf rebuild past
 * what one JavaScript SHA-256 can do. Runtimes that refuse to compile WebAssembly
 * from bytes (workerd, Vercel Edge, a page whose CSP lacks 'wasm-unsafe-eval') or
 * lack SIMD get `undefined`, and callers keep to the JavaScript path
 * (sha256-tree.ts), which gives the same bytes.
 */
import { b64Decode } from '../../protocol/index.js';
import { TREE_WASM_BASE64 } from './tree-bytes.js';

/** Memory layout of tree.wat. */
export const STACK = 1024;
export const OUT = 3072;
export const IN = 4096;
/** Room at IN: 1,024 leaves, or one message of up to 60 KiB. */
export const IN_SIZE = 61_440;
export const BATCH = 1024;
/** Four messages hashed in SIMD lanes: each in a slot, results at OUT4 + 32 * lane. */
export const SLOTS = 102_400;
export const SLOT_SIZE = 1024;
export const OUT4 = 3200;

export interface TreeWasm {
  memory: Uint8Array;
  digest(msg: number, length: number, out: number): void;
  absorb(n: number, depth: number, count: number): number;
  absorbPerfect(depth: number, batches: number): number;
  merge(depth: number, count: number): number;
  fold(depth: number): void;
  /** Pads a message in place; returns its block count. */
  pad(msg: number, length: number): number;
  digest4(base: number, stride: number, blocks: number, out: number): void;
  /** The floor(n/2) parents of the n hashes at `inAt`, written at `out` (a level of a tile). */
  parents(inAt: number, n: number, out: number): void;
}

let engine: TreeWasm | null | undefined;
let disabled = false;

export function treeWasm(): TreeWasm | undefined {
  if (disabled) return undefined;
  if (engine === undefined) engine = instantiate();
  return engine ?? undefined;
}

/** Turns the WebAssembly path off or on again (tests compare both paths; a host may prefer pure JavaScript). */
export function useTreeWasm(enabled: boolean): void {
  disabled = !enabled;
}

function instantiate(): TreeWasm | null {
  try {
    // Synchronous on purpose: the module is under 4 KB, the limit browsers set on the main thread.
    const instance = new WebAssembly.Instance(new WebAssembly.Module(b64Decode(TREE_WASM_BASE64) as Uint8Array<ArrayBuffer>), {});
    const exports = instance.exports as unknown as Omit<TreeWasm, 'memory'> & { memory: WebAssembly.Memory };
    return {
      memory: new Uint8Array(exports.memory.buffer), // fixed size: the view never goes stale
      digest: exports.digest,
      absorb: exports.absorb,
      absorbPerfect: exports.absorbPerfect,
      merge: exports.merge,
      fold: exports.fold,
      pad: exports.pad,
      digest4: exports.digest4,
      parents: exports.parents,
    };
  } catch {
    return null;
  }
}
