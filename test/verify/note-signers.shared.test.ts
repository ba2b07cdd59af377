import { describe, expect, it } from 'vitest';
import { b64Encode, hexEncode, rawToDer, derToRaw, sha256 } from '../../src/protocol/index.js';
import { localSigner } from '../../src/server/signers/local.js';
import { formatNote, parseNote, signNote } from '../../src/tlog/note.js';
import { NoteKeyType, hexId, noteKeyId, parseVkey } from '../../src/tlog/vkey.js';
import { importPublicKey, type KeyInput } from '../../src/verify/index.js';
import {
  cosigner, ecdsaNoteSigner, ed25519NoteSigner, generateNoteSigningKey, parseNoteSigningKey,
} from '../../src/verify/note-signers.js';
import { policyFromKeys, verifyNote } from '../../src/verify/notes.js';
import { ed25519PublicKeyOf } from '../../src/verify/ed25519.js';

// golang.org/x/mod/sumdb/note example_test.go: ExampleSign and ExampleSign_add_signatures.
const GO_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const GO_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_NOTE = `${GO_TEXT}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;
const ENOCH_LINE = '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

const code = async (p: Promise<unknown>) => p.then(() => 'no error', (e: { code?: string }) => e.code);

describe('Ed25519 note signer and signer keys', () => {
  for (const backend of ['webcrypto', 'noble'] as const) {
    it(`signs Go's ExampleSign byte for byte from Go's signer key (${backend})`, async () => {
      const signer = await ed25519NoteSigner(GO_SKEY, { backend });
      expect([signer.name, hexId(signer.keyId), signer.vkey]).toEqual(['PeterNeumann', 'c74f20a3', GO_VKEY]);
      expect(await signNote(GO_TEXT, [signer])).toBe(GO_NOTE);
    });
  }

  it('a zero seed named EnochRoot signs as Go\'s GenerateKey(zero reader) does', async () => {
    const body = b64Encode(Uint8Array.of(1, ...new Uint8Array(32)));
    const id = hexId(noteKeyId('EnochRoot', 0x01, ed25519PublicKeyOf(new Uint8Array(32))));
    const signer = await ed25519NoteSigner(`PRIVATE+KEY+EnochRoot+${id}+${body}`);
    const note = await signNote(GO_TEXT, [await ed25519NoteSigner(GO_SKEY), signer]);
    expect(note).toBe(GO_NOTE + ENOCH_LINE);
    expect((await verifyNote(note, { logs: [GO_VKEY, signer.vkey] }, { checkpoint: false })).logSigners).toHaveLength(2);
    expect(await code(parseNoteSigningKey(`PRIVATE+KEY+EnochRoot+00000000+${body}`))).toBe('ERR_VKEY_INVALID');
  });

  it('generates keys that read back, in the format Go reads (PRIVATE+KEY+name+id+base64(type ‖ seed))', async () => {
    for (const type of [NoteKeyType.Ed25519, NoteKeyType.CosignatureV1, NoteKeyType.MlDsa44] as const) {
      const key = await generateNoteSigningKey('gen.example/k', type);
      expect(key.skey).toMatch(/^PRIVATE\+KEY\+gen\.example\/k\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
      expect(key.skey.split('+')[3]).toBe(key.vkey.split('+')[1]);
      expect(parseVkey(key.vkey)).toMatchObject({ name: 'gen.example/k', type, keyId: key.keyId });
      expect(await parseNoteSigningKey(key.skey)).toEqual(key);
    }
  });

  it.each([
    ['no PRIVATE+KEY prefix', GO_SKEY.replace('PRIVATE+', 'PUBLIC+')],
    ['a key ID that is not the key\'s', GO_SKEY.replace('c74f20a3', 'c74f20a4')],
    ['an upper-case key ID', GO_SKEY.replace('c74f20a3', 'C74F20A3')],
    ['a name with a space', GO_SKEY.replace('PeterNeumann', 'Peter Neumann')],
    ['missing base64', 'PRIVATE+KEY+PeterNeumann+c74f20a3'],
    ['unpadded base64', GO_SKEY.replace(/=*$/, '').slice(0, -1)],
    ['type 0x02', `PRIVATE+KEY+n+00000000+${b64Encode(Uint8Array.of(2, ...new Uint8Array(32)))}`],
    ['a 31-byte seed', `PRIVATE+KEY+n+00000000+${b64Encode(Uint8Array.of(1, ...new Uint8Array(31)))}`],
  ])('parseNoteSigningKey refuses %s (ERR_VKEY_INVALID)', async (_why, skey) => {
    expect(await code(parseNoteSigningKey(skey))).toBe('ERR_VKEY_INVALID');
  });

  it('an Ed25519 note signer needs a 0x01 key', async () => {
    expect(await code(ed25519NoteSigner((await generateNoteSigningKey('w', NoteKeyType.CosignatureV1)).skey))).toBe('ERR_VKEY_INVALID');
  });
});

describe('ECDSA note signer (type 0x02)', () => {
  const text = 'ecdsa.example/log\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n';

  it('from the server\'s local signer: key ID = SHA-256(SPKI)[:4], DER over SHA-256(text), verified under the pinned JWK', async () => {
    const server = await localSigner();
    const signer = await ecdsaNoteSigner('ecdsa.example/log', server);
    const jwk = await server.publicJwk();
    const policy = policyFromKeys((await importPublicKey(jwk)) as KeyInput, 'ecdsa.example/log');
    expect(signer.vkey).toBe(policy.logs[0]!.text);
    expect(signer.keyId).toBe(noteKeyId('', NoteKeyType.EcdsaP256, policy.logs[0]!.key));
    const note = await signNote(text, [signer]);
    const sig = parseNote(note).signatures[0]!.signature;
    expect(sig[0]).toBe(0x30); // DER
    expect((await verifyNote(note, policy)).valid).toBe(true);
    expect((await verifyNote(note, { logs: [signer.vkey] })).valid).toBe(true);
  });

  it('from a KMS-like signer given as spki, whose high-S signatures verify (PROTOCOL.md §1)', async () => {
    const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    const spki = new Uint8Array(await crypto.subtle.exportKey('spki', pair.publicKey));
    const kmsLike = {
      spki,
      async sign(message: Uint8Array) {
        // KMS signs SHA-256(message) given as a digest; WebCrypto hashes itself: same bytes signed.
        const raw = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, pair.privateKey, message as Uint8Array<ArrayBuffer>));
        let s = BigInt(`0x${hexEncode(raw.subarray(32))}`);
        if (s < P256_N / 2n) s = P256_N - s; // make it high-S
        raw.set(Uint8Array.from(s.toString(16).padStart(64, '0').match(/../g)!.map((h) => parseInt(h, 16))), 32);
        return rawToDer(raw);
      },
    };
    const signer = await ecdsaNoteSigner('ecdsa.example/log', kmsLike);
    expect(signer.keyId).toBe(new DataView(sha256(spki).buffer).getUint32(0));
    const note = await signNote(text, [signer]);
    const s = derToRaw(parseNote(note).signatures[0]!.signature).subarray(32);
    expect(BigInt(`0x${hexEncode(s)}`) > P256_N / 2n).toBe(true);
    for (const backend of ['webcrypto', 'noble'] as const) expect((await verifyNote(note, { logs: [signer.vkey] }, { backend })).valid).toBe(true);
  });

  it('refuses a signer that returns something other than strict DER, or gives no public key', async () => {
    const broken = await ecdsaNoteSigner('e', { spki: parseVkey((await ecdsaNoteSigner('e', await localSigner())).vkey).key, sign: async () => new Uint8Array(64) });
    expect(await code(signNote(text, [broken]))).toBe('ERR_DER_INVALID');
    expect(await code(ecdsaNoteSigner('e', { sign: async () => new Uint8Array(0) }))).toBe('ERR_KEY_INVALID');
  });
});

describe('cosigner', () => {
  const text = 'log.example\n4\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n';

  it('cosigns with a 0x04 key and with a 0x01 key (as transparency-dev/witness keeps them), both under the 0x04 key ID', async () => {
    for (const type of [NoteKeyType.CosignatureV1, NoteKeyType.Ed25519] as const) {
      const key = await generateNoteSigningKey('w.example', type);
      const c = await cosigner(key, { now: () => 1_700_000_000 });
      expect(c.type).toBe(0x04);
      expect(c.keyId).toBe(noteKeyId('w.example', 0x04, key.publicKey));
      const sig = await c.sign(new TextEncoder().encode(text));
      expect(sig).toHaveLength(72);
      expect(new DataView(sig.buffer).getBigUint64(0)).toBe(1_700_000_000n);
      const note = formatNote(text, [{ name: c.name, keyId: c.keyId, signature: sig }]);
      const v = await verifyNote(note, { logs: [], witnesses: [c.vkey] }, { now: 1_700_000_000 });
      expect([v.witnesses.status, v.cosigners[0]?.timestamp]).toEqual(['passed', 1_700_000_000]);
    }
  });

  it('refuses an ML-DSA-44 key whose name subtree/v1 cannot carry (over 255 bytes) when built, as createWitness does', async () => {
    const long = `w.example/${'p'.repeat(246)}`; // 256 bytes
    const edge = `w.example/${'p'.repeat(245)}`; // 255 bytes
    const key = await generateNoteSigningKey(long, NoteKeyType.MlDsa44);
    for (const input of [key, key.skey]) {
      await expect(cosigner(input)).rejects.toMatchObject({ code: 'ERR_CONFIG', field: 'cosigners', message: expect.stringMatching(/subtree\/v1.*1.255 bytes/) });
    }
    const ok = await cosigner(await generateNoteSigningKey(edge, NoteKeyType.MlDsa44), { now: () => 1_700_000_000 });
    expect(await ok.sign(new TextEncoder().encode(text))).toHaveLength(8 + 2420);
    // cosignature/v1 does not sign the name, and signed-note sets no length on it: an Ed25519 cosigner of that name is built.
    expect((await cosigner(await generateNoteSigningKey(long, NoteKeyType.CosignatureV1))).name).toBe(long);
  });

  it('stamps no earlier than notBefore (a witness passes the latest time it stamped for the log), else its clock', async () => {
    for (const type of [NoteKeyType.CosignatureV1, NoteKeyType.MlDsa44] as const) {
      const c = await cosigner(await generateNoteSigningKey('w.example', type), { now: () => 1_700_000_000 });
      const stamp = async (options?: { notBefore?: number }) => new DataView((await c.sign(new TextEncoder().encode(text), options)).buffer).getBigUint64(0);
      expect([await stamp(), await stamp({ notBefore: 1_600_000_000 }), await stamp({ notBefore: 1_700_000_100 })]).toEqual([1_700_000_000n, 1_700_000_000n, 1_700_000_100n]);
    }
  });

  it('never stamps a zero or negative time (tlog-witness)', async () => {
    const c = await cosigner(await generateNoteSigningKey('w.example', NoteKeyType.CosignatureV1), { now: () => 0 });
    expect(await code(c.sign(new TextEncoder().encode(text)))).toBe('ERR_CONFIG');
  });
});
