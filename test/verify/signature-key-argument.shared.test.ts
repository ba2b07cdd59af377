import { describe, expect, it } from 'vitest';
import jwks from '../vectors/aegislog-v1/keys.json';
import { importPublicKey, type VerifyKey } from '../../src/verify/keys.js';
import { signatureFailure, verifySignature } from '../../src/verify/ecdsa.js';

describe('verifySignature key argument', () => {
  it('throws ERR_KEY_INVALID naming the key, not a TypeError, when key is missing or holds a hole', async () => {
    const key = (await importPublicKey(jwks.keys[0]!)) as VerifyKey;
    const message = new Uint8Array(3);
    const signature = new Uint8Array(8);
    for (const [label, given] of [['undefined', undefined], ['null', null], ['[undefined]', [undefined]], ['[null, key]', [null, key]]] as const) {
      await expect(verifySignature({ key: given as never, signature, message }), label).rejects.toMatchObject({ name: 'AegisLogError', code: 'ERR_KEY_INVALID', field: 'key' });
      await expect(signatureFailure({ key: given as never, kid: 'k', signature, message }), label).rejects.toMatchObject({ name: 'AegisLogError', code: 'ERR_KEY_INVALID', field: 'key' });
    }
  });
});
