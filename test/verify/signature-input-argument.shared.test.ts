// verifySignature with no input at all, and selectKey with keys that are not an array of keys (a JavaScript caller's
// undefined, null, one key object, a number): both threw raw TypeErrors ("Cannot read properties of undefined (reading
// 'key')", "keys.find is not a function"), where a missing key is ERR_KEY_INVALID everywhere else.
import { beforeAll, describe, expect, it } from 'vitest';
import jwks from '../vectors/aegislog-v1/keys.json';
import { importPublicKey, selectKey, verifySignature, type VerifyKey } from '../../src/verify/index.js';

let key: VerifyKey;
beforeAll(async () => {
  key = (await importPublicKey(jwks.keys[0]!)) as VerifyKey;
});

describe('verifySignature and selectKey given no keys', () => {
  it.each([undefined, null])('verifySignature(%j) rejects with ERR_KEY_INVALID naming the key', async (input) => {
    await expect(verifySignature(input as never)).rejects.toMatchObject({ name: 'AegisLogError', code: 'ERR_KEY_INVALID', field: 'key' });
  });

  it.each([undefined, null, {}, 42, 'k', [undefined], [null]])('selectKey(%j, kid) throws ERR_KEY_INVALID naming the keys', (keys) => {
    expect(() => selectKey(keys as never, 'k')).toThrow(expect.objectContaining({ name: 'AegisLogError', code: 'ERR_KEY_INVALID', field: 'keys' }));
  });

  it('selectKey still picks by kid, or the one key', () => {
    expect(selectKey([key], 'other')).toBe(key);
    expect(selectKey([key], key.kid)).toBe(key);
    expect(selectKey([], 'k')).toBeUndefined();
  });
});
