import { describe, expect, it } from 'vitest';
import der from '../vectors/wycheproof/ecdsa_secp256r1_sha256_test.json';
import p1363 from '../vectors/wycheproof/ecdsa_secp256r1_sha256_p1363_test.json';
import { hexDecode, sha256 } from '../../src/protocol/index.js';
import { importPublicKey, type VerifyKey } from '../../src/verify/keys.js';
import { verifySignature } from '../../src/verify/ecdsa.js';

interface Case { tcId: number; comment: string; msg: string; sig: string; result: 'valid' | 'invalid' }
interface Group { publicKeyDer: string; publicKeyPem: string; publicKeyJwk?: Record<string, unknown>; tests: Case[] }
interface Suite { numberOfTests: number; testGroups: Group[] }

/**
 * Every case three ways: WebCrypto over the message, noble over the message (forced),
 * noble over the digest. The verdict must be the vector's, and must not depend on the path.
 */
function suite(name: string, file: Suite, format: 'der' | 'raw', total: number): void {
  describe(`Wycheproof ${name}`, () => {
    it(`holds all ${total} cases`, () => {
      expect(file.testGroups.reduce((n, g) => n + g.tests.length, 0)).toBe(total);
      expect(file.numberOfTests).toBe(total);
    });
    for (const [g, group] of file.testGroups.entries()) {
      it(`group ${g}: ${group.tests.length} cases, key from SPKI DER${group.publicKeyJwk ? ', PEM and JWK' : ' and PEM'}`, async () => {
        const key = (await importPublicKey(hexDecode(group.publicKeyDer))) as VerifyKey;
        expect((await importPublicKey(group.publicKeyPem)) as VerifyKey).toMatchObject({ kid: key.kid, point: key.point });
        if (group.publicKeyJwk) {
          // The vectors' JWK says kid "none"; the point must match the SPKI's.
          expect((await importPublicKey(group.publicKeyJwk)) as VerifyKey).toMatchObject({ kid: 'none', point: key.point });
        }
        for (const test of group.tests) {
          const message = hexDecode(test.msg);
          const signature = hexDecode(test.sig);
          const want = test.result === 'valid';
          const label = `tcId ${test.tcId} (${test.comment})`;
          expect(await verifySignature({ key, signature, format, message }), `${label} webcrypto`).toBe(want);
          expect(await verifySignature({ key, signature, format, message, backend: 'noble' }), `${label} noble`).toBe(want);
          expect(await verifySignature({ key, signature, format, digest: sha256(message) }), `${label} digest`).toBe(want);
        }
      });
    }
  });
}

describe('verifySignature arguments', () => {
  it('throws typed errors for a missing or foreign key and for a bad message or digest; unreadable signatures are false', async () => {
    const group = (der as Suite).testGroups[0]!;
    const key = (await importPublicKey(hexDecode(group.publicKeyDer))) as VerifyKey;
    const other = { ...key, kid: 'other' };
    const message = new Uint8Array(3);
    await expect(verifySignature({ key: { kid: 'x' } as never, signature: new Uint8Array(8), message })).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' });
    await expect(verifySignature({ key: [key, other], signature: new Uint8Array(8), message })).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' });
    await expect(verifySignature({ key: [key, other], kid: 'nope', signature: new Uint8Array(8), message })).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' });
    await expect(verifySignature({ key, signature: new Uint8Array(8) })).rejects.toMatchObject({ code: 'ERR_SIGNATURE_FORMAT' });
    await expect(verifySignature({ key, signature: new Uint8Array(8), digest: new Uint8Array(31) })).rejects.toMatchObject({ code: 'ERR_HASH_LENGTH' });
    expect(await verifySignature({ key, signature: 'not*base64url', message })).toBe(false);
    expect(await verifySignature({ key, signature: new Uint8Array(64), format: 'raw', message })).toBe(false);
    const t = group.tests.find((c) => c.result === 'valid')!;
    expect(await verifySignature({ key: [other, key], kid: key.kid, signature: hexDecode(t.sig), message: hexDecode(t.msg) })).toBe(true);
  });
});

suite('ECDSA P-256 SHA-256 DER', der as Suite, 'der', 484);
suite('ECDSA P-256 SHA-256 P1363', p1363 as Suite, 'raw', 262);
