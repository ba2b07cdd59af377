/**
 * Note signing keys on disk (Node): one Go-style signer key per line,
 * `PRIVATE+KEY+<name>+<hex key ID>+base64(type ‖ seed)`, `#` comments allowed,
 * mode 0600. The log keeps its Ed25519 note key beside the receipt key
 * (`loadOrCreateNoteKey`); a witness keeps its cosigner key(s) (`aegislog keygen --witness`).
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AegisLogError } from '../protocol/index.js';
import { writeFileAtomically } from './create-file.js';
import { NoteKeyType } from '../tlog/vkey.js';
import {
  generateNoteSigningKey, parseNoteSigningKey, type NoteSigningKey, type SigningKeyOptions,
} from '../verify/note-signers.js';

export const NOTE_KEY_FILE = 'note-signing-key';

/** The keys of a key file, in file order. A file readable by group or others is refused, as ssh does. */
export async function readNoteKeyFile(path: string, options: SigningKeyOptions = {}): Promise<NoteSigningKey[]> {
  let text: string;
  try {
    if (process.platform !== 'win32' && ((await stat(path)).mode & 0o077) !== 0) {
      throw new AegisLogError('ERR_KEY_INVALID', `${path} is readable by other users; run chmod 600 on it`, { field: 'key' });
    }
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof AegisLogError) throw error;
    throw new AegisLogError('ERR_KEY_INVALID', `cannot read ${path}: ${(error as Error).message}`, { field: 'key', cause: error });
  }
  const keys: NoteSigningKey[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    const skey = line.trim();
    if (skey === '' || skey.startsWith('#')) continue;
    try {
      keys.push(await parseNoteSigningKey(skey, options));
    } catch (error) {
      throw new AegisLogError('ERR_VKEY_INVALID', `${path} line ${i + 1}: ${(error as Error).message}`, { field: 'key', cause: error });
    }
  }
  if (keys.length === 0) throw new AegisLogError('ERR_KEY_INVALID', `${path} holds no PRIVATE+KEY line`, { field: 'key' });
  return keys;
}

/**
 * Writes keys with mode 0600 from the start, all or nothing (create-file.ts; where the filesystem has
 * no hard links, a new file is copied into place, which a crash can cut); refuses to replace a
 * file unless `replace` (then the file is written anew and renamed over the old one, never appended to).
 */
export async function writeNoteKeyFile(path: string, keys: readonly NoteSigningKey[], options: { replace?: boolean; comment?: string } = {}): Promise<void> {
  const header = options.comment ? options.comment.split('\n').map((l) => `# ${l}\n`).join('') : '';
  const body = `${header}${keys.map((k) => `${k.skey}\n`).join('')}`;
  await writeFileAtomically(path, body, options);
}

/**
 * The log's Ed25519 note key (type 0x01) in `dir`, made on first use. Its name
 * must be the origin (PROTOCOL.md §4.4): a key file of another origin is refused
 * rather than silently replaced.
 */
export async function loadOrCreateNoteKey(dir: string, origin: string): Promise<NoteSigningKey> {
  // An empty setting, a number from a JSON config: refused naming it, as localSigner({ dir }) refuses it.
  if (typeof dir !== 'string' || dir === '') throw new AegisLogError('ERR_CONFIG', "dir must be the data folder's path", { field: 'dir' });
  await mkdir(dir, { recursive: true, mode: 0o700 }); // made on first use, as the key file is
  const path = join(dir, NOTE_KEY_FILE);
  const key = await generateNoteSigningKey(origin, NoteKeyType.Ed25519);
  try {
    await writeNoteKeyFile(path, [key], { comment: `Ed25519 note key of the log ${origin} (keep secret; vkey: ${key.vkey})` });
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const found = (await readNoteKeyFile(path)).find((k) => k.type === NoteKeyType.Ed25519);
  if (!found) throw new AegisLogError('ERR_KEY_INVALID', `${path} holds no Ed25519 (type 0x01) note key`, { field: 'dir' });
  if (found.name !== origin) {
    throw new AegisLogError('ERR_KEY_INVALID', `${path} is the note key of origin "${found.name}", not "${origin}"`, { field: 'origin' });
  }
  return found;
}
