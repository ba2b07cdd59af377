// localSigner({ keyPair }) given a pair that is no P-256 ECDSA key pair (a P-384 or Ed25519 pair, an ECDH one,
// an object that is no pair at all) or whose two halves are of two keys: the library's typed refusal naming
// keyPair, from both entries, as a privateJwk of that kind is refused (signer-jwk.test.ts). They threw a bare
// TypeError ("signing key is not an EC P-256 key", or WebCrypto's own), or built a signer whose every receipt
// failed to sign (ECDH) or verified under no key it published (halves of two keys).
import { expect, test } from 'vitest';
import { AegisLogError, canonicalBytes } from '../../src/protocol/index.js';
import { localSigner as webLocalSigner } from '../../src/server/index.js';
import { localSigner } from '../../src/server/node.js';

const P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const pair = (algorithm: AlgorithmIdentifier | EcKeyGenParams | RsaHashedKeyGenParams, usages: KeyUsage[]) => crypto.subtle.generateKey(algorithm as EcKeyGenParams, true, usages) as Promise<CryptoKeyPair>;
const a = await pair(P256, ['sign', 'verify']);
const b = await pair(P256, ['sign', 'verify']);

test.each([
  ['a P-384 pair', () => pair({ name: 'ECDSA', namedCurve: 'P-384' }, ['sign', 'verify'])],
  ['an Ed25519 pair', () => pair({ name: 'Ed25519' }, ['sign', 'verify'])],
  ['an ECDH P-256 pair', () => pair({ name: 'ECDH', namedCurve: 'P-256' }, ['deriveBits'])],
  ['an object that is no pair', async () => ({}) as CryptoKeyPair],
  ['the private key of one pair and the public key of another', async () => ({ privateKey: a.privateKey, publicKey: b.publicKey })],
])('a keyPair that is %s is refused as ERR_KEY_INVALID naming keyPair, by both entries', async (_what, make) => {
  const keyPair = await make();
  for (const signer of [localSigner, webLocalSigner]) {
    const error = await signer({ keyPair }).then(
      (s) => s.keyId,
      (e: unknown) => e,
    );
    expect(error, signer === localSigner ? 'node' : 'web').toBeInstanceOf(AegisLogError);
    expect(error).toMatchObject({ code: 'ERR_KEY_INVALID', field: 'keyPair' });
  }
});

test('a P-256 pair is taken, its private key extractable or not', async () => {
  const sealed = await crypto.subtle.generateKey(P256, false, ['sign', 'verify']);
  for (const keyPair of [a, sealed]) {
    for (const make of [localSigner, webLocalSigner]) {
      const signer = await make({ keyPair });
      const message = canonicalBytes({ probe: 1 });
      expect((await signer.sign(message)).length).toBeGreaterThan(60);
    }
  }
});
