/**
 * EMPTY_TREE_ROOT is a public Uint8Array, and typed arrays cannot be frozen:
 * a caller that writes into it must not change what the witness (or anything
 * else in the SDK) takes for the empty tree's root.
 */
import { afterEach, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { EMPTY_TREE_ROOT } from '../../src/verify/index.js';
import { createWitness, memoryWitnessStore } from '../../src/witness/index.js';
import { formatAddCheckpoint } from '../../src/tlog/witness-protocol.js';
import { testLog, witnessKeys } from './helpers.js';

const intact = sha256(new Uint8Array(0));
afterEach(() => EMPTY_TREE_ROOT.set(intact));

it('judges a size-0 checkpoint by SHA-256(""), whatever was written into the exported EMPTY_TREE_ROOT', async () => {
  const log = await testLog('log.example/empty', 1);
  const witness = createWitness({ cosigners: (await witnessKeys()).cosigners, logs: log.vkeys, store: memoryWitnessStore() });
  const other = new Uint8Array(32).fill(7);
  EMPTY_TREE_ROOT.set(other); // a careless caller
  expect((await witness.addCheckpoint(formatAddCheckpoint(0, [], await log.checkpoint(0, other)))).status).toBe(422);
  expect((await witness.addCheckpoint(formatAddCheckpoint(0, [], await log.checkpoint(0, intact)))).status).toBe(200);
});
