import { describe, expect, it } from 'vitest';
import vkeys from '../vectors/aegislog-v2/keys/vkeys?raw';
import w1 from '../vectors/aegislog-v2/keys/witness1.vkey?raw';
import w2 from '../vectors/aegislog-v2/keys/witness2.vkey?raw';
import receiptPem from '../vectors/aegislog-v2/keys/receipt-ecdsa.pub.pem?raw';
import ed25519Pem from '../vectors/aegislog-v2/keys/log-ed25519.pub.pem?raw';
import { b64Decode, b64Encode } from '../../src/protocol/index.js';
import { NoteKeyType, formatVkey, noteKeyId, p256Spki, p256SpkiPoint, parseVkey, verifierKey } from '../../src/tlog/vkey.js';
import { EXAMPLE_VKEY, thrownCode as code } from './examples.js';

const pemBody = (pem: string) => b64Decode(pem.replace(/-----[A-Z ]+-----/g, ''));

describe('parseVkey', () => {
  it('reads the signed-note example key', () => {
    const key = parseVkey(EXAMPLE_VKEY);
    expect(key).toMatchObject({ name: 'example.com/foo', keyId: 0x530d903a, type: NoteKeyType.Ed25519, text: EXAMPLE_VKEY });
    expect(key.key).toHaveLength(32);
    expect(formatVkey(key.name, key.type, key.key)).toBe(EXAMPLE_VKEY);
  });

  it('reads the vectors\' log keys: ECDSA key ID = SHA-256(SPKI)[:4] of the receipt key; Ed25519 of the log key', () => {
    const [ecdsa, ed] = vkeys.trim().split('\n').map(parseVkey) as [ReturnType<typeof parseVkey>, ReturnType<typeof parseVkey>];
    expect(ecdsa).toMatchObject({ name: 'evidence.acme.example/log', keyId: 0x2715894e, type: NoteKeyType.EcdsaP256 });
    expect(ecdsa.key).toEqual(pemBody(receiptPem));
    expect(noteKeyId('anything', NoteKeyType.EcdsaP256, ecdsa.key)).toBe(0x2715894e); // the name is not hashed for 0x02
    expect(ed).toMatchObject({ name: 'evidence.acme.example/log', keyId: 0x430064a0, type: NoteKeyType.Ed25519 });
    expect(ed.key).toEqual(pemBody(ed25519Pem).slice(12)); // SPKI of Ed25519: 12 bytes of header, then the key
    expect(p256SpkiPoint(ecdsa.key)).toHaveLength(65);
    expect(p256Spki(p256SpkiPoint(ecdsa.key))).toEqual(ecdsa.key);
  });

  it('reads the witnesses\' cosignature keys (type 0x04)', () => {
    expect(parseVkey(w1.trim())).toMatchObject({ name: 'witness.alpha.example/w1', keyId: 0xbccebae6, type: NoteKeyType.CosignatureV1 });
    expect(parseVkey(w2.trim())).toMatchObject({ name: 'witness.beta.example/w2', keyId: 0xce965173, type: NoteKeyType.CosignatureV1 });
  });

  it('the same key under another type has another key ID (signed-note)', () => {
    const key = parseVkey(EXAMPLE_VKEY).key;
    expect(noteKeyId('example.com/foo', NoteKeyType.CosignatureV1, key)).not.toBe(0x530d903a);
    expect(verifierKey('example.com/foo', NoteKeyType.CosignatureV1, key).type).toBe(0x04);
  });

  const body = EXAMPLE_VKEY.split('+')[2]!;
  const raw = b64Decode(body);
  const withType = (type: number, key: Uint8Array = raw.slice(1)) => b64Encode(Uint8Array.of(type, ...key));
  it.each([
    ['a key ID that is not the key\'s', 'example.com/foo+530d903b+' + body],
    ['the key ID of another name', 'example.com/bar+530d903a+' + body],
    ['an upper-case key ID', 'example.com/foo+530D903A+' + body],
    ['a 7-digit key ID', 'example.com/foo+30d903a+' + body],
    ['no key ID', 'example.com/foo+' + body],
    ['an empty name', '+530d903a+' + body],
    ['a name with a space', 'example.com/ foo+530d903a+' + body],
    ['unpadded base64', 'example.com/foo+530d903a+' + body + 'A'],
    ['whitespace around it', ` ${EXAMPLE_VKEY}`],
    ['a trailing newline', `${EXAMPLE_VKEY}\n`],
    ['type 0x03 (reserved)', 'example.com/foo+530d903a+' + withType(0x03)],
    ['type 0x05 (RFC 6962 STH)', 'example.com/foo+530d903a+' + withType(0x05)],
    ['type 0xff', 'example.com/foo+530d903a+' + withType(0xff)],
    ['a 31-byte Ed25519 key', 'example.com/foo+530d903a+' + withType(0x01, raw.slice(1, 32))],
    ['a type byte and nothing else', 'example.com/foo+530d903a+' + b64Encode(Uint8Array.of(1))],
  ])('refuses %s with ERR_VKEY_INVALID', (_why, text) => expect(code(() => parseVkey(text))).toBe('ERR_VKEY_INVALID'));

  it('refuses an ECDSA key that is not an uncompressed P-256 SPKI (P-384 is allowed by signed-note, not by PROTOCOL.md)', () => {
    const spki = pemBody(receiptPem);
    const p384ish = spki.slice();
    p384ish[22] = 0x22; // secp384r1's last OID byte
    expect(code(() => formatVkey('log', NoteKeyType.EcdsaP256, p384ish))).toBe('ERR_VKEY_INVALID');
    expect(code(() => formatVkey('log', NoteKeyType.EcdsaP256, spki.slice(0, 90)))).toBe('ERR_VKEY_INVALID');
    expect(code(() => p256Spki(new Uint8Array(65)))).toBe('ERR_VKEY_INVALID');
  });

  it('formatVkey refuses a bad name, an unknown type and a key of the wrong length', () => {
    const key = raw.slice(1);
    expect(code(() => formatVkey('a+b', NoteKeyType.Ed25519, key))).toBe('ERR_VKEY_INVALID');
    expect(code(() => formatVkey('a', 3 as never, key))).toBe('ERR_VKEY_INVALID');
    expect(code(() => formatVkey('a', NoteKeyType.MlDsa44, key))).toBe('ERR_VKEY_INVALID');
  });
});
