// maxClockStep was taken as given: NaN (a `Number()` of an unset setting) turned the guard against a wall clock
// stepped ahead off without a word (`w > expected + NaN` is never true), so a clock set 30 days ahead stamped
// receipts 30 days ahead, the one thing the option is for; a negative one or a string was as silent.
// It is now checked as every other number of the options is: ERR_CONFIG naming it.
import { expect, test } from 'vitest';
import { createServer, localSigner, memoryStore } from '../../src/server/index.js';

const base = async () => ({ signer: await localSigner(), store: memoryStore(), keys: [], origin: 'config.test/log' });

test.each([Number.NaN, -1, Number.NEGATIVE_INFINITY, '60000'])('maxClockStep %s is refused with ERR_CONFIG naming it', async (maxClockStep) => {
  const options = { ...(await base()), maxClockStep: maxClockStep as number };
  expect(() => createServer(options)).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'maxClockStep' }));
});

test.each([0, 1, 60_000, Number.POSITIVE_INFINITY, undefined])('maxClockStep %s is taken', async (maxClockStep) => {
  const server = createServer({ ...(await base()), ...(maxClockStep === undefined ? {} : { maxClockStep }) });
  await server.ready;
});
