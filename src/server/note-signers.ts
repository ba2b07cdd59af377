/**
 * The log's two note keys (§4.4): ECDSA P-256 (type 0x02, the receipt key, so a
 * KMS key signs checkpoints too) and Ed25519 (type 0x01, which tlog-tiles requires
 * of a public log and public witnesses expect). Both are named by the origin.
 */
import { AegisLogError } from '../protocol/index.js';
import type { NoteSigner } from '../tlog/note.js';
import { NoteKeyType } from '../tlog/vkey.js';
import { ecdsaNoteSigner, ed25519NoteSigner, generateNoteSigningKey, parseNoteSigningKey } from '../verify/note-signers.js';
import type { Signer } from './types.js';

export interface LogNoteKeys {
  signers: NoteSigner[];
  /** The vkeys an auditor pins (or that `/.well-known/aegislog/vkeys` serves), ECDSA first. */
  vkeys: string[];
}

/** `noteKey`: a `PRIVATE+KEY+<origin>+...` signer key of type 0x01; without one, a new key (lost at exit). */
export async function logNoteSigners(origin: string, signer: Signer, noteKey: string | undefined): Promise<LogNoteKeys> {
  const key = noteKey === undefined ? await generateNoteSigningKey(origin, NoteKeyType.Ed25519) : await parsedNoteKey(noteKey);
  if (key.type !== NoteKeyType.Ed25519 || key.name !== origin) {
    throw new AegisLogError('ERR_CONFIG', `noteKey must be an Ed25519 (type 0x01) signer key named ${origin}, the log's origin; this one is type 0x0${key.type} named ${key.name}`, { field: 'noteKey' });
  }
  const [ecdsa, ed] = await Promise.all([ecdsaNoteSigner(origin, signer), ed25519NoteSigner(key)]);
  return { signers: [ecdsa, ed], vkeys: [ecdsa.vkey, ed.vkey] };
}

/** `noteKey` parsed; one that is no signer key is refused as one of another type or origin is, naming the option. */
async function parsedNoteKey(noteKey: string) {
  try {
    return await parseNoteSigningKey(noteKey);
  } catch (cause) {
    throw new AegisLogError('ERR_CONFIG', `noteKey must be an Ed25519 (type 0x01) signer key named by the log's origin: ${(cause as Error).message}`, { field: 'noteKey', cause });
  }
}
