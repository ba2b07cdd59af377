import { describe, expect, it } from 'vitest';
import keyPem from '../vectors/aegislog-v1/key.pem?raw';
import jwks from '../vectors/aegislog-v1/keys.json';
import { importPublicKey, type VerifyKey } from '../../src/verify/keys.js';

const VECTOR_KID = 'w9ZLe-qT-v6-jj_Vo2uMih4ZBjLZq6FwqEARz2nQC24';

describe('importPublicKey options', () => {
  it('reads null options as no options (as verifyEvidence does), not with a TypeError', async () => {
    for (const input of [keyPem, jwks.keys[0]!, jwks]) {
      const got = await importPublicKey(input, null as never);
      const key = (Array.isArray(got) ? got[0] : got) as VerifyKey;
      expect(key.kid).toBe(VECTOR_KID);
    }
  });
});
