import { describe, expect, test } from 'vitest';
import { AegisLogError } from '../../src/protocol/index.js';
import { inclusionProof, merkleRoot, verifyConsistency, verifyInclusion } from '../../src/tlog/merkle.js';

/** merkle.ts: input that is not of the right kind throws an AegisLogError naming the field, never a TypeError. */
describe('merkle input of the wrong kind', () => {
  const cases: [string, () => unknown, string][] = [
    ['verifyInclusion(null)', () => verifyInclusion(null as never), 'claim'],
    ['verifyInclusion(undefined)', () => verifyInclusion(undefined as never), 'claim'],
    ['verifyConsistency(null)', () => verifyConsistency(null as never), 'claim'],
    ['verifyConsistency("x")', () => verifyConsistency('x' as never), 'claim'],
    ['inclusionProof(0, null)', () => inclusionProof(0, null as never), 'leaves'],
    ['merkleRoot(undefined)', () => merkleRoot(undefined as never), 'leaves'],
    ['merkleRoot([1])', () => merkleRoot([1] as never), 'leaves[0]'],
  ];
  test.each(cases)('%s', (_, call, field) => {
    let thrown: unknown;
    try {
      call();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AegisLogError);
    expect(thrown).toMatchObject({ field });
  });
});
