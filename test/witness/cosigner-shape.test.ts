// createWitness given a cosigner built by hand (or read from a config by a JS caller) without a sign function,
// or with a key ID that is no u32: the witness was made, and failed every add-checkpoint as a bare TypeError
// (a 500 per request, "c.sign is not a function") or an ERR_NOTE_INVALID of the cosignature line. Refused at
// creation instead, ERR_CONFIG naming cosigners, as a cosigner of the wrong type or name already is.
import { describe, expect, it } from 'vitest';
import { AegisLogError } from '../../src/protocol/index.js';
import { createWitness, memoryWitnessStore, type KeyedNoteSigner } from '../../src/witness/index.js';
import { testLog, witnessKeys } from './helpers.js';

describe('createWitness with a cosigner of the wrong shape', async () => {
  const log = await testLog('log.example/cosigner-shape', 4);
  const { cosigners } = await witnessKeys('witness.example/shape');
  const good = cosigners[0]!;
  it.each([
    ['no sign function', { ...good, sign: undefined }],
    ['a sign that is no function', { ...good, sign: 'sign' }],
    ['a negative key ID', { ...good, sign: good.sign, keyId: -1 }],
    ['a key ID over 32 bits', { ...good, sign: good.sign, keyId: 2 ** 32 }],
    ['a key ID that is a string', { ...good, sign: good.sign, keyId: '0a0b0c0d' }],
  ])('%s: ERR_CONFIG naming cosigners, not a failure of each request', async (_what, bad) => {
    const store = memoryWitnessStore();
    let made: ReturnType<typeof createWitness> | undefined;
    let error: unknown;
    try {
      made = createWitness({ cosigners: [bad as unknown as KeyedNoteSigner], logs: log.vkeys, store });
    } catch (e) {
      error = e;
    }
    // Before, the witness was made: show what its first request did.
    const answered = made && (await made.addCheckpoint(await log.body(0, 4)).catch((e: unknown) => e));
    expect(error, `made; its first request gave ${String((answered as Error)?.message ?? JSON.stringify(answered))}`).toBeInstanceOf(AegisLogError);
    expect(error).toMatchObject({ code: 'ERR_CONFIG', field: 'cosigners' });
  });
});
