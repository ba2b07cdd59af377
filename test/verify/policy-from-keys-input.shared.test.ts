// policyFromKeys given no keys or what importPublicKey never returns (a JavaScript caller's undefined, null, a key that
// failed to load in an array): it threw a raw TypeError ("Cannot read properties of undefined (reading 'point')"), or
// named the point of a vkey the caller never wrote (ERR_VKEY_INVALID). It now throws ERR_KEY_INVALID naming keys, as
// every verifier does for options.keys.
import { beforeAll, describe, expect, it } from 'vitest';
import receiptPem from '../vectors/aegislog-v2/keys/receipt-ecdsa.pub.pem?raw';
import { importPublicKey, policyFromKeys, type VerifyKey } from '../../src/verify/index.js';

let key: VerifyKey;
beforeAll(async () => {
  key = (await importPublicKey(receiptPem)) as VerifyKey;
});

describe('policyFromKeys and what is not a key', () => {
  it.each([undefined, null, {}, 42, 'key'])('policyFromKeys(%j) throws ERR_KEY_INVALID naming keys', (keys) => {
    expect(() => policyFromKeys(keys as never, 'log.example/o')).toThrow(expect.objectContaining({ code: 'ERR_KEY_INVALID', field: 'keys' }));
  });

  it('refuses an array holding a key that failed to load', () => {
    expect(() => policyFromKeys([key, undefined] as never, 'log.example/o')).toThrow(expect.objectContaining({ code: 'ERR_KEY_INVALID', field: 'keys' }));
    expect(() => policyFromKeys([null] as never, 'log.example/o')).toThrow(expect.objectContaining({ code: 'ERR_KEY_INVALID', field: 'keys' }));
  });

  it('still refuses no key at all, and takes a key', () => {
    expect(() => policyFromKeys([], 'log.example/o')).toThrow(expect.objectContaining({ code: 'ERR_KEY_INVALID', message: 'policyFromKeys needs at least one key' }));
    expect(policyFromKeys(key, 'log.example/o').logs).toHaveLength(1);
  });
});
