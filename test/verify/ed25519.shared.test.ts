import { describe, expect, it } from 'vitest';
import wycheproof from '../vectors/wycheproof/ed25519_test.json';
import { hexDecode, hexEncode } from '../../src/protocol/index.js';
import { ed25519PublicKey, ed25519PublicKeyOf, ed25519Signer, verifyEd25519, webCryptoEd25519 } from '../../src/verify/ed25519.js';

const BACKENDS = ['webcrypto', 'noble'] as const;
// Small-order points: the identity, and the point (0, -1) (RFC 8032 encodings).
const IDENTITY = hexDecode('0100000000000000000000000000000000000000000000000000000000000000');
const ORDER_2 = hexDecode('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
// y = p (non-canonical encoding of y = 0).
const NON_CANONICAL = hexDecode('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');

describe('Ed25519', () => {
  it('WebCrypto has Ed25519 in this runtime (Node 20 and the edge runtime do), so both paths are exercised', async () => {
    expect(await webCryptoEd25519()).toBe(true);
  });

  for (const backend of BACKENDS) {
    it(`passes Wycheproof ed25519_test.json (${wycheproof.numberOfTests} cases) through ${backend}`, async () => {
      let count = 0;
      for (const group of wycheproof.testGroups) {
        const key = ed25519PublicKey(hexDecode(group.publicKey.pk));
        for (const t of group.tests) {
          const ok = await verifyEd25519(key, hexDecode(t.msg), hexDecode(t.sig), backend);
          expect(ok, `tcId ${t.tcId} ${t.comment}`).toBe(t.result === 'valid');
          count++;
        }
      }
      expect(count).toBe(wycheproof.numberOfTests);
    });
  }

  it('both paths sign alike (deterministic) and agree on valid and altered signatures', async () => {
    for (let i = 0; i < 24; i++) {
      const seed = crypto.getRandomValues(new Uint8Array(32));
      const message = crypto.getRandomValues(new Uint8Array(i * 7));
      const [a, b] = await Promise.all(BACKENDS.map((backend) => ed25519Signer(seed, backend).sign(message)));
      expect(hexEncode(a!)).toBe(hexEncode(b!));
      const key = ed25519PublicKey(ed25519PublicKeyOf(seed));
      const altered = a!.slice();
      altered[i % 64]! ^= 1 << (i % 8);
      for (const backend of BACKENDS) {
        expect(await verifyEd25519(key, message, a!, backend)).toBe(true);
        expect(await verifyEd25519(key, message, altered, backend)).toBe(false);
      }
    }
  });

  it('both paths refuse s ≥ L, a non-canonical R and a mixed-torsion R (cofactorless, as OpenSSL and BoringSSL)', async () => {
    const seed = new Uint8Array(32).fill(9);
    const key = ed25519PublicKey(ed25519PublicKeyOf(seed));
    const message = new TextEncoder().encode('torsion');
    const sig = await ed25519Signer(seed).sign(message);
    // s + L: the same scalar mod L, refused by RFC 8032's range check.
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    let s = 0n;
    for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(sig[i]!);
    const sPlusL = sig.slice();
    let t = s + L;
    for (let i = 32; i < 64; i++, t >>= 8n) sPlusL[i] = Number(t & 0xffn);
    // R replaced by its non-canonical twin is impossible for most R; use y = p instead with s = 0.
    const badR = new Uint8Array(64);
    badR.set(NON_CANONICAL);
    const cases = [sPlusL, badR, Uint8Array.from([...IDENTITY, ...new Uint8Array(32)])];
    for (const c of cases) {
      const answers = await Promise.all(BACKENDS.map((backend) => verifyEd25519(key, message, c, backend)));
      expect(answers).toEqual([false, false]);
    }
  });

  it('refuses small-order and non-canonical public keys once, when the key is made', () => {
    for (const bad of [IDENTITY, ORDER_2, NON_CANONICAL, new Uint8Array(31)]) {
      expect(() => ed25519PublicKey(bad)).toThrow(expect.objectContaining({ code: 'ERR_VKEY_INVALID' }));
    }
  });

  it('refuses a seed that is not 32 bytes, and a signature that is not 64', async () => {
    expect(() => ed25519Signer(new Uint8Array(31))).toThrow(expect.objectContaining({ code: 'ERR_KEY_INVALID' }));
    const key = ed25519PublicKey(ed25519PublicKeyOf(new Uint8Array(32)));
    expect(await verifyEd25519(key, new Uint8Array(0), new Uint8Array(63))).toBe(false);
  });
});
