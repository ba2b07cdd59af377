// createWitness given a `now` that is no function (a number of seconds, a config value passed on as it is): the
// witness was made and failed every add-checkpoint once it had cosigned one, with a bare TypeError ("now is not a
// function", a 500 per request). Refused at creation instead, ERR_CONFIG naming now, as createServer refuses its own `now`.
import { describe, expect, it } from 'vitest';
import { AegisLogError } from '../../src/protocol/index.js';
import { createWitness, memoryWitnessStore, type WitnessOptions } from '../../src/witness/index.js';
import { testLog, witnessKeys } from './helpers.js';

describe('createWitness with a now that is no function', async () => {
  const log = await testLog('log.example/now-option', 4);
  const { cosigners } = await witnessKeys('witness.example/now');
  it.each([
    ['a number', 1_700_000_000],
    ['a string', '1700000000'],
  ])('%s: ERR_CONFIG naming now, not a failure of each request', async (_what, now) => {
    let made: ReturnType<typeof createWitness> | undefined;
    let error: unknown;
    try {
      made = createWitness({ cosigners, logs: log.vkeys, store: memoryWitnessStore(), now } as unknown as WitnessOptions);
    } catch (e) {
      error = e;
    }
    // Before, the witness was made: its first request cosigned, the next one (the same checkpoint again) threw.
    const answered = made && (await made.addCheckpoint(await log.body(0, 4)), await made.addCheckpoint(await log.body(4, 4)).catch((e: unknown) => e));
    expect(error, `made; its second request gave ${String((answered as Error)?.message ?? JSON.stringify(answered))}`).toBeInstanceOf(AegisLogError);
    expect(error).toMatchObject({ code: 'ERR_CONFIG', field: 'now' });
  });
});
