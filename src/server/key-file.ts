import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AegisLogError } from '../protocol/index.js';
import { writeFileAtomically } from './create-file.js';
import { nodeLocalSigner } from './node-crypto.js';
import { badPrivateJwk, checkedPrivateJwk, generateSigningJwk, localSigner as webLocalSigner } from './signers/local.js';
import type { LocalSignerOptions } from './signers/local.js';
import type { Signer } from './types.js';

export const KEY_FILE = 'signing-key.jwk';

/**
 * The signing key of a data folder: a private P-256 JWK in `signing-key.jwk`,
 * made on first use (the folder too, mode 0700) with mode 0600 (created whole and exclusively, so two
 * first runs cannot both write one, and a crash cannot leave an empty one, except where the filesystem has
 * no hard links: see create-file.ts). A file readable by others is refused, as ssh does.
 */
export async function loadOrCreateSigningJwk(dir: string): Promise<JsonWebKey> {
  checkedDir(dir);
  await mkdir(dir, { recursive: true, mode: 0o700 }); // "made on first run": the folder too (docs/server.md, "Embed it")
  return loadOrCreateKeyFile(join(dir, KEY_FILE), generateSigningJwk);
}

/**
 * A data folder option that is no path (an empty setting, a number from a JSON config) is refused naming it, as
 * witnessFileStore(dir) refuses its own, not as node's ENOENT for "mkdir ''" or its TypeError.
 */
function checkedDir(dir: unknown): asserts dir is string {
  if (typeof dir !== 'string' || dir === '') throw new AegisLogError('ERR_CONFIG', "dir must be the data folder's path", { field: 'dir' });
}

async function loadOrCreateKeyFile(path: string, generate: () => Promise<JsonWebKey>): Promise<JsonWebKey> {
  try {
    const jwk = await generate();
    await writeFileAtomically(path, `${JSON.stringify(jwk)}\n`);
    return jwk;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  let text: string;
  try {
    if (process.platform !== 'win32' && ((await stat(path)).mode & 0o077) !== 0) {
      throw new AegisLogError('ERR_KEY_INVALID', `${path} is readable by other users; run chmod 600 on it`, { field: 'dir' });
    }
    text = utf8Text(await readFile(path));
  } catch (error) {
    // A symlink to a secret not mounted: refused as readSigningJwk and the note key file refuse it, not node's raw ENOENT.
    if (error instanceof AegisLogError) throw error;
    throw new AegisLogError('ERR_KEY_INVALID', `cannot read ${path}: ${(error as Error).message}`, { field: 'dir', cause: error });
  }
  try {
    const jwk = JSON.parse(text) as JsonWebKey;
    // As readSigningJwk checks a key file: `null` would be taken for no key (a new one at each start), `{}` fail in node:crypto.
    if (!isPrivateP256(jwk)) throw new Error('not a private P-256 key');
    return jwk;
  } catch (cause) {
    throw new AegisLogError('ERR_KEY_INVALID', `${path} is not a private P-256 JSON Web Key`, { field: 'dir', cause });
  }
}

/**
 * A file's text as `readFile(path, 'utf8')` gives it, but for a byte order mark at the very start, which is not part
 * of the JSON (RFC 8259 §8.1): an editor's, which TextDecoder drops, as the keys file's is.
 */
export const utf8Text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

const isPrivateP256 = (jwk: JsonWebKey | null): boolean =>
  typeof jwk === 'object' && jwk !== null && jwk.kty === 'EC' && jwk.crv === 'P-256' && typeof jwk.x === 'string' && typeof jwk.y === 'string' && typeof jwk.d === 'string';

/**
 * A private P-256 JWK from a file (as `aegislog keygen --out DIR` writes
 * `private.jwk.json`); a file readable by group or others is refused, as ssh does.
 */
export async function readSigningJwk(path: string): Promise<JsonWebKey> {
  let text: string;
  try {
    if (process.platform !== 'win32' && ((await stat(path)).mode & 0o077) !== 0) {
      throw new AegisLogError('ERR_KEY_INVALID', `${path} is readable by other users; run chmod 600 on it`, { field: 'key' });
    }
    text = utf8Text(await readFile(path));
  } catch (error) {
    if (error instanceof AegisLogError) throw error;
    throw new AegisLogError('ERR_KEY_INVALID', `cannot read ${path}: ${(error as Error).message}`, { field: 'key', cause: error });
  }
  try {
    const jwk = JSON.parse(text) as JsonWebKey;
    if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.d !== 'string') throw new Error('not a private P-256 key');
    return jwk;
  } catch (cause) {
    throw new AegisLogError('ERR_KEY_INVALID', `${path} is not a private P-256 JSON Web Key`, { field: 'key', cause });
  }
}

/**
 * `localSigner` for Node: also `{ dir }`, a data folder whose key file is made
 * on first run. A key given as JWK or file signs through node:crypto.
 */
export async function localSigner(options: LocalSignerOptions & { dir?: string } = {}): Promise<Signer> {
  const privateJwk = options.dir === undefined ? options.privateJwk : await loadOrCreateSigningJwk(options.dir);
  if (!privateJwk) return webLocalSigner(options);
  const checked = checkedPrivateJwk(privateJwk);
  try {
    return nodeLocalSigner(checked);
  } catch (cause) {
    throw badPrivateJwk(`is not a P-256 key pair node:crypto takes: ${(cause as Error).message}`, cause);
  }
}
