/**
 * The log's two note keys (§4.4): ECDSA P-256 (type 0x02, the receipt key, so a
 * KMS key signs checkpoints too) and Ed25519 (type 0x01, which tlog-tiles requires
 * of a public log and public witnesses expect). Both are named by the origin.
 */
import { AegisLogError, b64uDecode, b64uEncode } from '../protocol/index.js';
import type { NoteSigner } from '../tlog/note.js';
import { NoteKeyType, formatVkey, noteKeyId, p256Spki } from '../tlog/vkey.js';
import { ed25519PublicKeyOf, ed25519Signer } from '../verify/ed25519.js';
import type { Signer } from './types.js';

export interface LogNoteKeys {
  signers: NoteSigner[];
  /** The vkeys an auditor pins (or that `/.well-known/aegislog/vkeys` serves), ECDSA first. */
  vkeys: string[];
}

export async function logNoteSigners(origin: string, signer: Signer, noteKey: Uint8Array): Promise<LogNoteKeys> {
  const jwk = await signer.publicJwk();
  const point = new Uint8Array(65);
  point[0] = 0x04;
  point.set(b64uDecode(jwk.x, 'x'), 1);
  point.set(b64uDecode(jwk.y, 'y'), 33);
  const spki = p256Spki(point);
  const ed = ed25519Signer(noteKey);
  const ecdsaSigner: NoteSigner = { name: origin, keyId: noteKeyId(origin, NoteKeyType.EcdsaP256, spki), sign: (text) => signer.sign(text) };
  const edSigner: NoteSigner = { name: origin, keyId: noteKeyId(origin, NoteKeyType.Ed25519, ed.publicKey), sign: (text) => ed.sign(text) };
  return {
    signers: [ecdsaSigner, edSigner],
    vkeys: [formatVkey(origin, NoteKeyType.EcdsaP256, spki), formatVkey(origin, NoteKeyType.Ed25519, ed.publicKey)],
  };
}

/**
 * The note key as kept (a file, a Worker secret): an RFC 8037 OKP JWK
 * `{"kty":"OKP","crv":"Ed25519","d","x"}`. `noteKeyToJwk` makes one from a seed.
 */
export function noteKeyFromJwk(jwk: unknown): Uint8Array {
  const j = (typeof jwk === 'string' ? safeParse(jwk) : jwk) as Record<string, unknown> | undefined;
  let seed: Uint8Array | undefined;
  try {
    seed = j && j.kty === 'OKP' && j.crv === 'Ed25519' && typeof j.d === 'string' ? b64uDecode(j.d, 'd') : undefined;
  } catch {
    seed = undefined;
  }
  if (seed?.length !== 32) throw new AegisLogError('ERR_KEY_INVALID', 'the note key must be an Ed25519 private JWK: {"kty":"OKP","crv":"Ed25519","d","x"}', { field: 'noteKey' });
  if (typeof j!.x === 'string' && j!.x !== b64uEncode(ed25519PublicKeyOf(seed))) {
    throw new AegisLogError('ERR_KEY_INVALID', 'the note key JWK\'s x is not the public key of its d', { field: 'noteKey' });
  }
  return seed;
}

export function noteKeyToJwk(seed: Uint8Array): { kty: 'OKP'; crv: 'Ed25519'; d: string; x: string } {
  return { kty: 'OKP', crv: 'Ed25519', d: b64uEncode(seed), x: b64uEncode(ed25519PublicKeyOf(seed)) };
}

/** A new note key, as its JWK. */
export function generateNoteKeyJwk(): { kty: 'OKP'; crv: 'Ed25519'; d: string; x: string } {
  return noteKeyToJwk(crypto.getRandomValues(new Uint8Array(32)));
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
