/**
 * What a cosigner built by hand returns is checked before it is answered or kept: tlog-cosignature's
 * `timestamped_signature` (a u64 timestamp, then 64 bytes of Ed25519 or 2,420 of ML-DSA-44), with a
 * timestamp that is not zero (tlog-witness). Anything else is no cosignature a verifier reads, and its first
 * eight bytes, kept as the log's latest time, would become the floor of every later cosignature of the log.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createWitness, memoryWitnessStore, type KeyedNoteSigner } from '../../src/witness/node.js';
import { testLog, witnessKeys, type TestLog } from './helpers.js';

const NOW = 1_800_000_000;
let log: TestLog;
beforeAll(async () => void (log = await testLog('log.example/cosigner-output', 8)));

async function witnessWith(wrap: (c: KeyedNoteSigner) => KeyedNoteSigner) {
  const w = await witnessKeys('witness.example/w1', { now: () => NOW });
  const store = memoryWitnessStore();
  return { store, witness: createWitness({ cosigners: w.cosigners.map(wrap), logs: log.vkeys, store, now: () => NOW }) };
}

describe('a cosigner built by hand whose output is not a timestamped_signature', () => {
  const cases: [string, (signature: Uint8Array) => Uint8Array][] = [
    ['the signature without its timestamp (64 bytes)', (s) => s.slice(8)],
    ['a timestamp of zero', (s) => Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, ...s.slice(8))],
    ['fewer bytes than a timestamp', (s) => s.slice(0, 5)],
    ['a signature one byte short', (s) => s.slice(0, -1)],
  ];
  for (const [what, alter] of cases) {
    it(`is refused (ERR_CONFIG, cosigners), nothing answered or kept: ${what}`, async () => {
      const { store, witness } = await witnessWith((c) => ({ ...c, sign: async (text, at) => alter(await c.sign(text, at)) }));
      await expect(witness.addCheckpoint(await log.body(0, 3))).rejects.toMatchObject({ code: 'ERR_CONFIG', field: 'cosigners' });
      expect(await store.latest(log.origin)).toBeUndefined();
    });
  }
});
