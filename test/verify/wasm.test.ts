import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { receiptHash, type Receipt } from '../../src/protocol/index.js';
import { JsTreeBuilder, type TreeBuilder } from '../../src/tlog/tree-builder.js';
import { perfectRoot } from '../../src/tlog/tile-proofs.js';
import { WasmTreeBuilder } from '../../src/tlog/wasm/builder.js';
import { treeWasm, useTreeWasm } from '../../src/tlog/wasm/engine.js';
import { ReceiptHasher, receiptHashInto } from '../../src/verify/receipt-hash.js';
// @ts-expect-error: a plain .mjs build script without types
import { assemble, moduleText } from '../../src/tlog/wasm/build.mjs';

// The WebAssembly path against the JavaScript path: both must give the same bytes for every shape
// of tree, including the perfect 1,024-leaf batches hashed four lanes at a time.
const wasm = treeWasm()!;

function leaves(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(32 * n);
  for (let i = 0; i < out.length; i++) out[i] = (i * 131 + seed * 7 + (i >> 5)) & 255;
  return out;
}

function build(builder: TreeBuilder, data: Uint8Array, n: number, oddEvery = 0): Uint8Array {
  for (let i = 0; i < n; i++) {
    if (oddEvery && i % oddEvery === oddEvery - 1) builder.addLeafHash(data.slice(32 * i, 32 * i + 32));
    else builder.add32(data, 32 * i);
  }
  return builder.root();
}

describe('WebAssembly tree hashing', () => {
  it('tree-bytes.ts is exactly tree.wat assembled (run `node src/tlog/wasm/build.mjs` after editing it)', async () => {
    const committed = readFileSync(new URL('../../src/tlog/wasm/tree-bytes.ts', import.meta.url), 'utf8');
    expect(committed).toBe(moduleText(await assemble()));
  });

  it('loads in Node, and stays under the 4 KB that browsers compile synchronously', () => {
    expect(wasm).toBeDefined();
    const base64 = readFileSync(new URL('../../src/tlog/wasm/tree-bytes.ts', import.meta.url), 'utf8').match(/'([^']+)'/)![1]!;
    expect(Buffer.from(base64, 'base64').length).toBeLessThan(4096);
  });

  it('gives the JavaScript roots for every size 0..1,100, around 2,048, and for large odd sizes', () => {
    const data = leaves(70_001, 1);
    for (const n of [...Array(1101).keys(), 2047, 2048, 2049, 3071, 3072, 3073]) {
      expect(build(new WasmTreeBuilder(wasm), data, n), `n=${n}`).toEqual(build(new JsTreeBuilder(), data, n));
    }
    for (const n of [4096, 5000, 9216, 70_001]) {
      expect(build(new WasmTreeBuilder(wasm), data, n), `n=${n}`).toEqual(build(new JsTreeBuilder(), data, n));
    }
  });

  it('gives the same roots with precomputed leaf hashes mixed in (unaligned batches), and mid-stream roots', () => {
    const data = leaves(6000, 2);
    expect(build(new WasmTreeBuilder(wasm), data, 6000, 1500)).toEqual(build(new JsTreeBuilder(), data, 6000, 1500));
    const a = new WasmTreeBuilder(wasm);
    const b = new JsTreeBuilder();
    for (let i = 0; i < 3000; i++) {
      a.add32(data, 32 * i);
      b.add32(data, 32 * i);
      if (i % 997 === 0 || i === 2047) expect(a.root(), `after ${i + 1}`).toEqual(b.root());
    }
    expect(a.size).toBe(3000);
  });

  it('builders sharing the module memory do not disturb each other', () => {
    const data = leaves(4000, 3);
    const [x, y] = [new WasmTreeBuilder(wasm), new WasmTreeBuilder(wasm)];
    for (let i = 0; i < 4000; i++) {
      x.add32(data, 32 * i);
      if (i % 2 === 0) y.add32(data, 32 * i);
    }
    const evens = new JsTreeBuilder();
    for (let i = 0; i < 4000; i += 2) evens.add32(data, 32 * i);
    expect(y.root()).toEqual(evens.root());
    expect(x.root()).toEqual(build(new JsTreeBuilder(), data, 4000));
  });

  it('perfectRoot: the same root with and without WebAssembly, and RFC 9162\'s, for every size of subtree at every place in a tile', () => {
    const tile = leaves(256, 3);
    // RFC 9162 §2.1.1, straight from node:crypto: MTH of a perfect range is SHA-256(0x01 || left || right).
    const reference = (first: number, count: number): Uint8Array => {
      if (count === 1) return tile.slice(32 * first, 32 * first + 32);
      const h = createHash('sha256').update(Uint8Array.of(1)).update(reference(first, count / 2)).update(reference(first + count / 2, count / 2));
      return new Uint8Array(h.digest());
    };
    for (let count = 1; count <= 256; count *= 2) {
      for (let first = 0; first < 256; first += count) {
        const expected = reference(first, count);
        for (const enabled of [true, false]) {
          useTreeWasm(enabled);
          // The input is left as it was: a tile kept by a cache serves the next proof. (Buffer.compare, not
          // toEqual: a deep equality of 8 KiB, a thousand times, took most of this test's 15 s.)
          const before = tile.slice();
          const root = perfectRoot(tile, first, count);
          expect(Buffer.compare(root, expected), `${count} from ${first}, wasm ${enabled}`).toBe(0);
          expect(Buffer.compare(tile, before), `input of ${count} from ${first}, wasm ${enabled}`).toBe(0);
        }
      }
    }
    useTreeWasm(true);
  });

  it('receipt hashes are the same with and without WebAssembly, short and long statements', () => {
    const base: Receipt = {
      v: 1, tenant_id: 'acme', event_id: 'e1', digest_b64url: 'A'.repeat(43), received_at: '2026-11-27T10:00:00.000Z',
      key_id: 'k', signing_alg: 'ECDSA_SHA_256', ok: true, trace_id: 't', signature_b64url: 's',
    };
    const out = new Uint8Array(32);
    for (const key_id of ['k', 'é'.repeat(30), 'x'.repeat(200), '😀'.repeat(20_000)]) {
      const r = { ...base, key_id };
      for (const enabled of [true, false]) {
        useTreeWasm(enabled);
        receiptHashInto(r, out, 0);
        expect(out, `${key_id.length} chars, wasm ${enabled}`).toEqual(receiptHash(r));
      }
    }
    useTreeWasm(true);
  });

  it('ReceiptHasher: four lanes at once, mixed block counts, long and odd statements, a growing buffer, ready in order', () => {
    const base: Receipt = {
      v: 1, tenant_id: 'acme', event_id: 'e', digest_b64url: 'A'.repeat(43), received_at: '2026-11-27T10:00:00.000Z',
      key_id: 'k', signing_alg: 'ECDSA_SHA_256', ok: true, trace_id: 't', signature_b64url: 's',
    };
    const receipts = Array.from({ length: 1003 }, (_, i) => ({
      ...base,
      event_id: `evt-${i}${i % 7 === 0 ? '😀'.repeat(i % 40) : ''}`,
      key_id: i % 11 === 0 ? 'arn:aws:kms:' + 'x'.repeat(i % 300) : 'k',
      ...(i === 500 ? { key_id: 'y'.repeat(5000) } : {}), // longer than a lane's slot
      ...(i === 600 ? { v: 2 } : {}), // not the template: the general path
    })) as Receipt[];
    let buffer = new Uint8Array(32 * 8);
    const hasher = new ReceiptHasher(() => buffer);
    for (const [i, r] of receipts.entries()) {
      if (32 * (i + 1) > buffer.length) {
        const grown = new Uint8Array(buffer.length * 2);
        grown.set(buffer);
        buffer = grown;
      }
      hasher.add(r, 32 * i);
      expect(hasher.ready).toBeLessThanOrEqual(i + 1);
      expect(hasher.ready).toBeGreaterThanOrEqual(i - 3);
    }
    hasher.flush();
    expect(hasher.ready).toBe(receipts.length);
    for (const [i, r] of receipts.entries()) expect(buffer.subarray(32 * i, 32 * i + 32), `receipt ${i}`).toEqual(receiptHash(r));
    expect(() => hasher.add({ ...base, event_id: '\ud800' }, 0)).toThrow(expect.objectContaining({ code: 'ERR_JCS_INVALID' }));
  });
});
