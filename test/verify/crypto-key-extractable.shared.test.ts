// importPublicKey reads a WebCrypto key's point with exportKey('raw'). A public key imported with
// extractable false (importKey(..., false, ['verify']), as many callers write it) cannot be exported: that
// is the caller's key refused with ERR_KEY_INVALID saying why, not a raw DOMException.
import { describe, expect, it } from 'vitest';
import { importPublicKey } from '../../src/verify/keys.js';

describe('importPublicKey of a WebCrypto key that is not extractable', () => {
  it('refuses it with ERR_KEY_INVALID naming extractability; the same key extractable imports', async () => {
    const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const spki = await crypto.subtle.exportKey('spki', pair.publicKey);
    const locked = await crypto.subtle.importKey('spki', spki, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
    await expect(importPublicKey(locked)).rejects.toMatchObject({ code: 'ERR_KEY_INVALID', field: '$', message: expect.stringContaining('extractable') });
    const open = await crypto.subtle.importKey('spki', spki, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']);
    expect(await importPublicKey(open)).toMatchObject({ kid: expect.any(String) });
  });
});
