// docs/client.md, "Options": "A value out of its range (or of the wrong type) is refused at construction with
// ERR_CONFIG and `field` naming the option". `publicKeys` (PEM, DER, a JWK or JWKS, or a list) of another
// type was taken, and failed only at the first recordSync or verify, as ERR_KEY_INVALID naming `$`.
import { describe, expect, it } from 'vitest';
import { AegisLog } from '../../src/index.js';

const options = { endpoint: 'http://127.0.0.1:9', flushInterval: 0 };

describe('publicKeys of the wrong type', () => {
  it.each([
    ['a number', 42],
    ['true', true],
    ['a function (a loader, not its keys)', async () => 'pem'],
  ])('%s: ERR_CONFIG naming publicKeys, at construction', (_what, publicKeys) => {
    expect(() => new AegisLog({ ...options, publicKeys: publicKeys as never })).toThrow(expect.objectContaining({ name: 'AegisLogError', code: 'ERR_CONFIG', field: 'publicKeys' }));
  });

  it.each([
    ['text (PEM)', '-----BEGIN PUBLIC KEY-----\n…'],
    ['an object (a JWK)', { kty: 'EC' }],
    ['bytes (DER)', new Uint8Array(91)],
    ['a list', ['pem', { kty: 'EC' }]],
  ])('%s is of a type it takes: checked when first used, as before', async (_what, publicKeys) => {
    const log = new AegisLog({ ...options, publicKeys: publicKeys as never });
    await log.close();
  });
});
