// now and monotonicNow are clocks the server calls: a number given for one (`now: Date.now()`, a plausible slip in
// JavaScript) threw "wall is not a function" from inside the clock guard, naming no option.
import { expect, test } from 'vitest';
import { createServer, localSigner, memoryStore } from '../../src/server/index.js';

test.each([
  ['now', { now: Date.UTC(2026, 10, 28) }],
  ['now', { now: 'Date.now' }],
  ['monotonicNow', { now: () => Date.UTC(2026, 10, 28), monotonicNow: 5 }],
])('%s that is no function is refused with ERR_CONFIG naming it', async (field, clocks) => {
  const options = { signer: await localSigner(), store: memoryStore(), keys: [], origin: 'config.test/log', ...(clocks as object) };
  expect(() => createServer(options)).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field }));
});
