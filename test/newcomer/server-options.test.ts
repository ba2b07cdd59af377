// docs/server.md's "Embed it" passes `await localSigner(...)` and `await sqliteStore(...)`. A reader who
// saves it as embed.mjs (no type checker) and leaves out one `await`, or who passes no signer or store at
// all, hands createServer a Promise or nothing. docs/errors.md: every error the library throws is an
// AegisLogError; a bad option is ERR_CONFIG naming it, at creation, as a bad origin or period is.
import { describe, expect, it } from 'vitest';
import { createServer, localSigner, memoryStore, type ServerOptions } from '../../src/server/index.js';

const KEYS = [{ key: 'ak_ingest_server_options_0', tenant_id: 'acme', scope: 'ingest' as const }];

describe('createServer with a signer or store that is none', async () => {
  const signer = await localSigner();
  const good: ServerOptions = { signer, store: memoryStore(), origin: 'options.test/log', keys: KEYS, onError: () => {} };
  it.each([
    ['signer', 'a Promise (localSigner() without await)', { signer: localSigner() }],
    ['signer', 'missing', { signer: undefined }],
    ['store', 'a Promise (a store factory without await)', { store: Promise.resolve(memoryStore()) }],
    ['store', 'missing', { store: undefined }],
  ])('%s %s: ERR_CONFIG naming it, at creation', (field, _what, change) => {
    const make = () => createServer({ ...good, ...change } as unknown as ServerOptions);
    expect(make).toThrow(expect.objectContaining({ name: 'AegisLogError', code: 'ERR_CONFIG', field }));
  });

  it('says to await a Promise', () => {
    expect(() => createServer({ ...good, signer: localSigner() } as unknown as ServerOptions)).toThrow(/await/);
  });
});
