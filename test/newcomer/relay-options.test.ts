// docs/edge.md: "An option out of range throws an AegisLogError ERR_CONFIG naming it". The relay's apiKey
// goes into every upstream request's X-Api-Key header; the client refuses a key no HTTP header can carry
// (a line break inside, a character beyond Latin-1) at construction (docs/client.md), since fetch would
// refuse every request. The relay took it, and answered every browser 502 "the AegisLog API did not
// answer", blaming the API for its own configuration.
import { describe, expect, it } from 'vitest';
import { createRelay } from '../../src/edge/index.js';
import { AegisLog } from '../../src/index.js';

const options = { endpoint: 'http://127.0.0.1:9', allowedOrigins: [] as string[] };

describe('createRelay with an apiKey no HTTP header can carry', () => {
  it.each([
    ['a line break inside (two keys pasted)', 'ak_ingest_0123456789abcdef\nak_ingest_fedcba9876543210'],
    ['a character beyond Latin-1', 'ak_ingest_0123456789abcdef€'],
  ])('%s: ERR_CONFIG naming apiKey, as the client refuses it', (_what, apiKey) => {
    const client = () => new AegisLog({ ...options, apiKey, flushInterval: 0 });
    expect(client).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'apiKey' }));
    expect(() => createRelay({ ...options, apiKey })).toThrow(expect.objectContaining({ name: 'AegisLogError', code: 'ERR_CONFIG', field: 'apiKey' }));
  });

  it('a key with blanks at its ends is taken, as fetch sends it trimmed (a secret read from a file with its newline)', () => {
    expect(() => createRelay({ ...options, apiKey: 'ak_ingest_0123456789abcdef\n' })).not.toThrow();
  });
});

// docs/edge.md's table: `fetch` (upstream fetch) and `now` (the rate limiter's clock). The client refuses a `fetch`
// that is no function at construction (ERR_CONFIG naming it); the relay took one, and answered every browser 502
// "the AegisLog API did not answer", and a `now` that is no function made each request throw a TypeError.
describe('createRelay with a fetch or now that is no function', () => {
  it.each([
    ['fetch', { fetch: 5 }],
    ['fetch', { fetch: {} }],
    ['now', { now: Date.now(), rateLimit: { burst: 1, perSecond: 1 } }],
  ])('%s: ERR_CONFIG naming it, at creation', (field, given) => {
    expect(() => new AegisLog({ ...options, fetch: 5 as never })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'fetch' }));
    expect(() => createRelay({ ...options, apiKey: 'ak_ingest_0123456789abcdef', ...(given as object) })).toThrow(
      expect.objectContaining({ name: 'AegisLogError', code: 'ERR_CONFIG', field }),
    );
  });
});
