// `keys` options take one key or arrays of keys, nested as importPublicKey gives a JWKS. An array that contains
// itself (a caller's bug: `keys.push(keys)`) made flattenKeys recurse until the stack ran out, and every entry
// point that takes keys threw a raw RangeError; so did an array nested deeper than the stack. Each is refused
// as ERR_KEY_INVALID naming the option.
import { describe, expect, it } from 'vitest';
import { flattenKeys, importPublicKey, policyFromKeys, verifyEvidence, verifySignature, type KeyInput, type VerifyKey } from '../../src/verify/index.js';

const JWK = { kty: 'EC', crv: 'P-256', x: 'MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4', y: '4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM' };

function cyclic(key: VerifyKey): KeyInput {
  const keys: KeyInput[] = [key];
  keys.push(keys);
  return keys;
}

function deep(key: VerifyKey, levels: number): KeyInput {
  let keys: KeyInput = key;
  for (let i = 0; i < levels; i++) keys = [keys];
  return keys;
}

describe('keys that are an array containing itself, or nested beyond reason', () => {
  it('flattenKeys refuses them with ERR_KEY_INVALID, not a RangeError', async () => {
    const key = (await importPublicKey(JWK)) as VerifyKey;
    expect(() => flattenKeys(cyclic(key))).toThrow(expect.objectContaining({ name: 'AegisLogError', code: 'ERR_KEY_INVALID', field: 'keys' }));
    expect(() => flattenKeys(deep(key, 100_000))).toThrow(expect.objectContaining({ name: 'AegisLogError', code: 'ERR_KEY_INVALID', field: 'keys' }));
    // Nesting as a JWKS gives it, and a key given twice in one list, still flatten.
    expect(flattenKeys([[key, key], [[key]]] as KeyInput)).toEqual([key, key, key]);
    expect(flattenKeys(deep(key, 32))).toEqual([key]);
  });

  it('the entry points that take keys refuse them the same way', async () => {
    const key = (await importPublicKey(JWK)) as VerifyKey;
    await expect(verifyEvidence({}, { keys: cyclic(key) })).rejects.toMatchObject({ code: 'ERR_KEY_INVALID', field: 'keys' });
    expect(() => policyFromKeys(cyclic(key), 'log.example')).toThrow(expect.objectContaining({ code: 'ERR_KEY_INVALID', field: 'keys' }));
    await expect(verifySignature({ key: cyclic(key), signature: 'AA', message: new Uint8Array(1) })).rejects.toMatchObject({ code: 'ERR_KEY_INVALID', field: 'key' });
  });
});
