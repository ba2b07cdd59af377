// localSigner({ privateJwk }) given a JWK that is no private P-256 key (a public key pasted in place of the
// private one, an RSA key, a key with a mangled `d`): the library's typed refusal naming privateJwk, from
// both entries, where they threw node:crypto's or WebCrypto's own TypeError or DataError.
import { expect, test } from 'vitest';
import { AegisLogError } from '../../src/protocol/index.js';
import { generateSigningJwk, localSigner as webLocalSigner } from '../../src/server/index.js';
import { localSigner } from '../../src/server/node.js';

const good = await generateSigningJwk();
const { d: _d, ...publicOnly } = good;

test.each([
  ['a public key', publicOnly],
  ['an empty object', {}],
  ['an RSA key', { kty: 'RSA', n: 'AQAB', e: 'AQAB', d: 'AQAB' }],
  ['a P-384 key', { ...good, crv: 'P-384' }],
])('a privateJwk that is %s is refused as ERR_KEY_INVALID naming privateJwk, by both entries', async (_what, privateJwk) => {
  for (const make of [localSigner, webLocalSigner]) {
    const error = await make({ privateJwk: privateJwk as JsonWebKey }).then(
      (signer) => signer.keyId,
      (e: unknown) => e,
    );
    expect(error, make === localSigner ? 'node' : 'web').toBeInstanceOf(AegisLogError);
    expect(error).toMatchObject({ code: 'ERR_KEY_INVALID', field: 'privateJwk' });
  }
});

test('a privateJwk whose d is not the private key of its x, y is refused by the Node entry too, as WebCrypto refuses it', async () => {
  // node:crypto takes any scalar as d beside any x, y: its signer signed every receipt with d, under the key_id
  // of x, y, so that no receipt it issued verified under the key it published.
  const other = await generateSigningJwk();
  for (const d of [other.d!, 'AQAB']) {
    for (const make of [localSigner, webLocalSigner]) {
      const error = await make({ privateJwk: { ...good, d } }).then(
        (signer) => signer.keyId,
        (e: unknown) => e,
      );
      expect(error, make === localSigner ? 'node' : 'web').toBeInstanceOf(AegisLogError);
      expect(error).toMatchObject({ code: 'ERR_KEY_INVALID', field: 'privateJwk' });
    }
  }
});
