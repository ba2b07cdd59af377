// A JS caller's factory call with no options at all (a config object not loaded: `createRelay(config.relay)`).
// The client takes `new AegisLog()` for a missing endpoint, ERR_CONFIG naming it (src/client/options.ts), and
// docs/errors.md has every error the library throws be an AegisLogError; the server's, the relay's and the
// witness's factories threw a TypeError ("Cannot read properties of undefined") that named nothing.
import { describe, expect, it } from 'vitest';
import { createRelay } from '../../src/edge/index.js';
import { AegisLog } from '../../src/index.js';
import { createServer } from '../../src/server/index.js';
import { createWitness } from '../../src/witness/index.js';

describe('a factory given no options', () => {
  it.each([
    ['new AegisLog() (the twin, as it was)', (o: unknown) => new AegisLog(o as never), 'endpoint'],
    ['createRelay()', (o: unknown) => createRelay(o as never), 'endpoint'],
    ['createServer()', (o: unknown) => createServer(o as never), 'signer'],
    ['createWitness()', (o: unknown) => createWitness(o as never), 'cosigners'],
  ])('%s: ERR_CONFIG naming what is missing first', (_name, make, field) => {
    for (const options of [undefined, null]) {
      expect(() => make(options)).toThrow(expect.objectContaining({ name: 'AegisLogError', code: 'ERR_CONFIG', field }));
    }
  });
});
