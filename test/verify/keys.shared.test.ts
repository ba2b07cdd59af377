import { beforeAll, describe, expect, it } from 'vitest';
import keyPem from '../vectors/aegislog-v1/key.pem?raw';
import jwks from '../vectors/aegislog-v1/keys.json';
import { b64Decode, b64Encode, b64uEncode } from '../../src/protocol/index.js';
import { importPublicKey, type VerifyKey } from '../../src/verify/index.js';

const VECTOR_KID = 'w9ZLe-qT-v6-jj_Vo2uMih4ZBjLZq6FwqEARz2nQC24';
const der = b64Decode(keyPem.replace(/-----[A-Z ]+-----/g, ''));
const jwk = jwks.keys[0]!;
let rsaSpki: Uint8Array;
let p384Spki: Uint8Array;
let privateJwk: JsonWebKey;

beforeAll(async () => {
  const rsa = await crypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify']) as CryptoKeyPair;
  rsaSpki = new Uint8Array(await crypto.subtle.exportKey('spki', rsa.publicKey));
  const p384 = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, ['sign', 'verify']) as CryptoKeyPair;
  p384Spki = new Uint8Array(await crypto.subtle.exportKey('spki', p384.publicKey));
  const p256 = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']) as CryptoKeyPair;
  privateJwk = await crypto.subtle.exportKey('jwk', p256.privateKey);
});

describe('importPublicKey', () => {
  it('reads the same key from PEM, DER bytes, base64, base64url, JWK, JWK text and JWKS, with the thumbprint kid', async () => {
    const inputs: unknown[] = [keyPem, keyPem.replace(/\n/g, '\r\n'), der, b64Encode(der), b64uEncode(der), jwk, JSON.stringify(jwk), { ...jwk, kid: undefined }];
    for (const input of inputs) {
      const key = (await importPublicKey(input)) as VerifyKey;
      expect(key.kid).toBe(VECTOR_KID);
      expect(key.jwk).toEqual({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, kid: VECTOR_KID, alg: 'ES256', use: 'sig' });
      expect(key.point).toHaveLength(65);
      expect(key.cryptoKey).toBeDefined();
    }
    const set = await importPublicKey(jwks);
    expect(Array.isArray(set) && set.map((k) => k.kid)).toEqual([VECTOR_KID]);
    expect(((await importPublicKey(JSON.stringify(jwks))) as VerifyKey[])[0]!.kid).toBe(VECTOR_KID);
  });

  it('keeps a JWK kid, and takes options.kid for keys that sign under another name (KMS ARNs)', async () => {
    expect(((await importPublicKey({ ...jwk, kid: 'my-key' })) as VerifyKey).kid).toBe('my-key');
    expect(((await importPublicKey(keyPem, { kid: 'arn:aws:kms:x' })) as VerifyKey).kid).toBe('arn:aws:kms:x');
  });

  it('refuses anything that is not exactly an EC P-256 public key, with ERR_KEY_INVALID or ERR_BASE64URL', async () => {
    const offCurve = { ...jwk, y: jwk.x };
    const cases: [string, unknown][] = [
      ['null', null], ['number', 42], ['empty string', ''], ['garbage text', 'not a key at all'],
      ['truncated DER', der.subarray(0, 90)], ['DER with a trailing byte', Uint8Array.from([...der, 0])],
      ['RSA SPKI', () => rsaSpki], ['P-384 SPKI', () => p384Spki], ['compressed point', Uint8Array.from([...der.subarray(0, 26), 0x02, ...der.subarray(27)])],
      ['private key PEM', '-----BEGIN PRIVATE KEY-----\nMIGHAgEA\n-----END PRIVATE KEY-----'],
      ['two PEM blocks', `${keyPem}\n${keyPem}`],
      ['private JWK', () => privateJwk], ['P-384 JWK', { ...jwk, crv: 'P-384' }], ['RSA JWK', { kty: 'RSA', n: 'AQAB', e: 'AQAB' }],
      ['off-curve point', offCurve], ['short x', { ...jwk, x: jwk.x.slice(0, 40) }], ['alg RS256', { ...jwk, alg: 'RS256' }],
      ['use enc', { ...jwk, use: 'enc' }], ['key_ops sign', { ...jwk, key_ops: ['sign'] }], ['empty kid', { ...jwk, kid: '' }],
      ['empty JWKS', { keys: [] }], ['JWKS with a duplicate kid', { keys: [jwk, jwk] }], ['JWKS with a string', { keys: ['x'] }],
      ['broken JSON', '{"kty":'],
    ];
    for (const [label, input] of cases) {
      const value = typeof input === 'function' ? input() : input;
      await expect(importPublicKey(value), label).rejects.toMatchObject({ name: 'AegisLogError', code: expect.stringMatching(/^ERR_(KEY_INVALID|BASE64URL)$/) });
    }
  });
});
