import { describe, expect, it } from 'vitest';
import { b64Decode } from '../../src/protocol/index.js';
import { verifyConsistency, verifyInclusion } from '../../src/tlog/merkle.js';

// transparency-dev/merkle vectors (test/vectors/README.md): byte fields are standard base64, `proof` may be null.
interface InclusionVector { leafIdx: number; treeSize: number; root: string; leafHash: string; proof: string[] | null; desc: string; wantErr: boolean }
interface ConsistencyVector { size1: number; size2: number; root1: string; root2: string; proof: string[] | null; desc: string; wantErr: boolean }

const inclusion = import.meta.glob<InclusionVector>('../vectors/merkle/inclusion/**/*.json', { eager: true, import: 'default' });
const consistency = import.meta.glob<ConsistencyVector>('../vectors/merkle/consistency/**/*.json', { eager: true, import: 'default' });

const bytes = (text: string): Uint8Array => b64Decode(text);
const proofOf = (proof: string[] | null): Uint8Array[] => (proof ?? []).map(bytes);

/** A vector that wants an error must either return false or throw the library's typed error; a valid one must return true. */
function outcome(run: () => boolean): 'valid' | 'invalid' {
  try {
    return run() ? 'valid' : 'invalid';
  } catch (error) {
    expect((error as { code?: string }).code).toMatch(/^ERR_(HASH_LENGTH|PROOF_INVALID)$/);
    return 'invalid';
  }
}

describe('transparency-dev inclusion vectors', () => {
  it('has all 98 files', () => expect(Object.keys(inclusion)).toHaveLength(98));
  for (const [path, v] of Object.entries(inclusion)) {
    it(`${path.replace('../vectors/merkle/', '')}: ${v.desc}`, () => {
      const got = outcome(() =>
        verifyInclusion({ leafHash: bytes(v.leafHash), index: v.leafIdx, treeSize: v.treeSize, proof: proofOf(v.proof), root: bytes(v.root) }),
      );
      expect(got).toBe(v.wantErr ? 'invalid' : 'valid');
    });
  }
});

describe('transparency-dev consistency vectors', () => {
  it('has all 98 files', () => expect(Object.keys(consistency)).toHaveLength(98));
  it('equal sizes compare the roots as given (the vector with 12-byte placeholder roots), and only then', () => {
    const root = new Uint8Array(12).fill(7);
    expect(verifyConsistency({ size1: 1, size2: 1, root1: root, root2: root.slice(), proof: [] })).toBe(true);
    expect(verifyConsistency({ size1: 1, size2: 1, root1: root, root2: new Uint8Array(12), proof: [] })).toBe(false);
    expect(() => verifyConsistency({ size1: 1, size2: 2, root1: root, root2: root, proof: [] })).toThrow(
      expect.objectContaining({ code: 'ERR_HASH_LENGTH' }),
    );
  });
  for (const [path, v] of Object.entries(consistency)) {
    it(`${path.replace('../vectors/merkle/', '')}: ${v.desc}`, () => {
      const got = outcome(() =>
        verifyConsistency({ size1: v.size1, size2: v.size2, root1: bytes(v.root1), root2: bytes(v.root2), proof: proofOf(v.proof) }),
      );
      expect(got).toBe(v.wantErr ? 'invalid' : 'valid');
    });
  }
});
