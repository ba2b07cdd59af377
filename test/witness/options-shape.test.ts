// createWitness's options of the wrong shape (a config read from JSON or env, by a JS caller): each is
// refused at creation as ERR_CONFIG naming the option, as a cosigner of the wrong type or an empty log
// list already is. `cosigners` that is no array threw "is not iterable", `logs` of another type "Cannot
// read properties of undefined", and a missing `store` was taken, to fail every request as a 500.
import { describe, expect, it } from 'vitest';
import { AegisLogError } from '../../src/protocol/index.js';
import { createWitness, memoryWitnessStore, type WitnessOptions } from '../../src/witness/index.js';
import { testLog, witnessKeys } from './helpers.js';

describe('createWitness with options of the wrong shape', async () => {
  const log = await testLog('log.example/shape', 4);
  const { cosigners } = await witnessKeys('witness.example/shape');
  const good: WitnessOptions = { cosigners, logs: log.vkeys, store: memoryWitnessStore() };
  it.each([
    ['cosigners', 'missing', { cosigners: undefined }],
    ['cosigners', 'one cosigner, not an array', { cosigners: cosigners[0] }],
    ['logs', 'missing', { logs: undefined }],
    ['logs', 'a number', { logs: 42 }],
    ['logs', 'an object that is no policy', { logs: {} }],
    ['store', 'missing', { store: undefined }],
    ['store', 'an object without latest/update', { store: {} }],
  ])('%s %s: ERR_CONFIG naming it', (field, _what, change) => {
    const make = () => createWitness({ ...good, ...change } as unknown as WitnessOptions);
    expect(make).toThrow(AegisLogError);
    expect(make).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field }));
  });
});
