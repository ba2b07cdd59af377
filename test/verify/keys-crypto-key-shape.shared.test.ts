import { describe, expect, it } from 'vitest';
import { importPublicKey } from '../../src/verify/keys.js';

describe('importPublicKey of something shaped like a CryptoKey', () => {
  it('refuses one whose algorithm is null with ERR_KEY_INVALID, from an object or from JSON text', async () => {
    const shaped = { type: 'public', algorithm: null, usages: ['verify'] };
    for (const input of [shaped, JSON.stringify(shaped), { ...shaped, algorithm: undefined }]) {
      await expect(importPublicKey(input)).rejects.toMatchObject({ name: 'AegisLogError', code: 'ERR_KEY_INVALID', field: '$' });
    }
  });
});
