/**
 * formatAddCheckpoint (a log's side of add-checkpoint) names the parameter at fault, as it does for a proof
 * that is not an array and a note that is not text: `oldSize` for the old size, `proof` for its hashes.
 */
import { describe, expect, it } from 'vitest';
import { formatAddCheckpoint, MAX_PROOF_LINES } from '../../src/witness/index.js';

const hash = new Uint8Array(32);
const refused = (field: string) => expect.objectContaining({ code: 'ERR_WITNESS_REQUEST', field });

describe('formatAddCheckpoint names the field at fault', () => {
  it('oldSize: negative, fractional, unsafe or not a number', () => {
    for (const old of [-1, 1.5, 2 ** 53, Number.NaN, '3' as never]) expect(() => formatAddCheckpoint(old, [], 'n\n')).toThrow(refused('oldSize'));
  });

  it(`proof: more than ${MAX_PROOF_LINES} hashes, a hash of the wrong length or type, a hole`, () => {
    expect(() => formatAddCheckpoint(1, Array(MAX_PROOF_LINES + 1).fill(hash), 'n\n')).toThrow(refused('proof'));
    expect(() => formatAddCheckpoint(1, [hash, new Uint8Array(31)], 'n\n')).toThrow(refused('proof'));
    expect(() => formatAddCheckpoint(1, [hash, 'AAAA' as never], 'n\n')).toThrow(refused('proof'));
    // A sparse array: its hole would be written as no line at all, a proof one hash short.
    const sparse: Uint8Array[] = [hash];
    sparse[2] = hash;
    expect(() => formatAddCheckpoint(1, sparse, 'n\n')).toThrow(refused('proof'));
  });

  it('still writes the spec body for good input', () => {
    expect(formatAddCheckpoint(3, [hash], 'n\n')).toBe(`old 3\n${'A'.repeat(43)}=\n\nn\n`);
  });
});
