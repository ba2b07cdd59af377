import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { hexEncode } from '../../src/protocol/index.js';
import {
  inclusionProof, leafHash, merkleRoot, nodeHash, verifyConsistency, verifyInclusion,
} from '../../src/tlog/merkle.js';
import { treeWasm, useTreeWasm } from '../../src/tlog/wasm/engine.js';

// An independent, deliberately naive RFC 9162 §2.1 reference built on noble's general SHA-256,
// so the word-level fast path is checked against the definition, not against itself.
const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
};
const split = (n: number): number => 2 ** Math.ceil(Math.log2(n) - 1);
function mth(d: Uint8Array[]): Uint8Array {
  if (d.length === 0) return sha256(new Uint8Array(0));
  if (d.length === 1) return sha256(concat(Uint8Array.of(0), d[0]!));
  const k = split(d.length);
  return sha256(concat(Uint8Array.of(1), mth(d.slice(0, k)), mth(d.slice(k))));
}
/** RFC 9162 §2.1.4.1 SUBPROOF, to test verifyConsistency on every pair of small sizes. */
function subproof(m: number, d: Uint8Array[], b: boolean): Uint8Array[] {
  const n = d.length;
  if (m === n) return b ? [] : [mth(d)];
  const k = split(n);
  if (m <= k) return [...subproof(m, d.slice(0, k), b), mth(d.slice(k))];
  return [...subproof(m - k, d.slice(k), false), mth(d.slice(0, k))];
}

const data = (n: number): Uint8Array[] => Array.from({ length: n }, (_, i) => sha256(Uint8Array.of(i & 255, i >> 8)));
const leaves70 = data(70);

describe('merkle: RFC 9162 §2.1', () => {
  it('MTH({}) is SHA-256("")', () => {
    expect(hexEncode(merkleRoot([]))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('matches the transparency-dev 8-leaf test tree (leaves of other lengths than 32)', () => {
    const hex = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
    const leaves = hex.map((h) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16)));
    expect(hexEncode(merkleRoot(leaves))).toBe('5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328');
  });

  it('leafHash and nodeHash follow the definition', () => {
    const a = leaves70[0]!;
    const b = leaves70[1]!;
    expect(leafHash(a)).toEqual(sha256(concat(Uint8Array.of(0), a)));
    expect(nodeHash(a, b)).toEqual(sha256(concat(Uint8Array.of(1), a, b)));
    expect(() => nodeHash(a, new Uint8Array(31))).toThrow(expect.objectContaining({ code: 'ERR_HASH_LENGTH' }));
  });

  it('merkleRoot equals the naive definition for every size 0..70, through WebAssembly (where it loads) and JavaScript', () => {
    for (const wasm of [true, false]) {
      useTreeWasm(wasm);
      if (!wasm) expect(treeWasm()).toBeUndefined();
      for (let n = 0; n <= 70; n++) expect(hexEncode(merkleRoot(leaves70.slice(0, n))), `n=${n} wasm ${wasm}`).toBe(hexEncode(mth(leaves70.slice(0, n))));
    }
    useTreeWasm(true);
  });

  it('merkleRoot of 1,025 and 2,048 leaves (perfect SIMD batches) equals the naive definition', () => {
    const many = data(2048);
    for (const n of [1024, 1025, 2048]) expect(hexEncode(merkleRoot(many.slice(0, n))), `n=${n}`).toBe(hexEncode(mth(many.slice(0, n))));
  });

  it('inclusionProof gives RFC audit paths that verify, for every leaf of sizes 1..40; a wrong index or root fails', () => {
    for (let n = 1; n <= 40; n++) {
      const leaves = leaves70.slice(0, n);
      const root = merkleRoot(leaves);
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(i, leaves);
        const claim = { leafHash: leafHash(leaves[i]!), index: i, treeSize: n, proof, root };
        expect(verifyInclusion(claim), `leaf ${i} of ${n}`).toBe(true);
        if (n > 1) expect(verifyInclusion({ ...claim, index: (i + 1) % n })).toBe(false);
        expect(verifyInclusion({ ...claim, treeSize: i })).toBe(false);
        expect(verifyInclusion({ ...claim, root: leafHash(root) })).toBe(false);
        expect(verifyInclusion({ ...claim, proof: [...proof, root] })).toBe(false);
      }
    }
  });

  it('verifyConsistency accepts RFC SUBPROOFs for every 1 <= m <= n <= 24 and refuses them for the wrong roots', () => {
    for (let n = 1; n <= 24; n++) {
      for (let m = 1; m <= n; m++) {
        const proof = subproof(m, leaves70.slice(0, n), true);
        const claim = { size1: m, size2: n, root1: mth(leaves70.slice(0, m)), root2: mth(leaves70.slice(0, n)), proof };
        expect(verifyConsistency(claim), `${m} -> ${n}`).toBe(true);
        expect(verifyConsistency({ ...claim, root1: claim.root2, root2: claim.root1 })).toBe(m === n);
        if (m < n) expect(verifyConsistency({ ...claim, proof: claim.proof.slice(1) })).toBe(false);
      }
    }
  });

  it('refuses malformed input with typed errors and impossible claims with false', () => {
    const root = merkleRoot(leaves70.slice(0, 4));
    const ok = { leafHash: leafHash(leaves70[0]!), index: 0, treeSize: 4, proof: inclusionProof(0, leaves70.slice(0, 4)), root };
    expect(() => verifyInclusion({ ...ok, index: -1 })).toThrow(expect.objectContaining({ code: 'ERR_PROOF_INVALID' }));
    expect(() => verifyInclusion({ ...ok, treeSize: 1.5 })).toThrow(expect.objectContaining({ code: 'ERR_PROOF_INVALID' }));
    expect(() => verifyInclusion({ ...ok, proof: 'x' as never })).toThrow(expect.objectContaining({ code: 'ERR_PROOF_INVALID' }));
    expect(() => verifyInclusion({ ...ok, root: root.subarray(1) })).toThrow(expect.objectContaining({ code: 'ERR_HASH_LENGTH' }));
    expect(verifyInclusion({ ...ok, index: 4 })).toBe(false);
    expect(verifyConsistency({ size1: 0, size2: 0, root1: root, root2: root, proof: [] })).toBe(false);
    expect(() => inclusionProof(4, leaves70.slice(0, 4))).toThrow(expect.objectContaining({ code: 'ERR_PROOF_INVALID' }));
  });
});
