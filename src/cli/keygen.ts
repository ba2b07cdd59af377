import { access, mkdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { b64Encode, jwkThumbprint } from '../protocol/index.js';
import { writeFileAtomically } from '../server/create-file.js';
import { writeNoteKeyFile } from '../server/note-key-file.js';
import { localSigner } from '../server/node.js';
import { logNoteSigners } from '../server/note-signers.js';
import { fitsSubtreeField } from '../tlog/cosignature.js';
import { isKeyName } from '../tlog/note.js';
import { NoteKeyType } from '../tlog/vkey.js';
import { generateNoteSigningKey, type NoteSigningKey } from '../verify/note-signers.js';
import type { CliIO, Command } from './command.js';
import { EXIT, InputError, runChecked } from './run-checked.js';

const USAGE = `Usage: aegislog keygen [--origin ORIGIN] [--out DIR] [--force] [--json]
       aegislog keygen --witness NAME [--ml-dsa] [--out DIR] [--force] [--json]

Makes a P-256 (ES256) signing key pair: the private key as PKCS#8 PEM and as a
JWK (what the reference server's local signer loads), the public key as SPKI
PEM and as a JWKS, with kid = its RFC 7638 thumbprint (the receipts' key_id).

Options:
  --origin ORIGIN
              also the log's Ed25519 note key, named by the log's origin, and the
              log's two vkeys (ECDSA from the receipt key, and Ed25519), which
              auditors pin: what aegislog serve --note-key and a Worker's
              AEGISLOG_NOTE_KEY take
  --out DIR   write the files into DIR (made if missing, mode 0700):
                private.pem, private.jwk.json   (mode 0600)
                public.pem, public.jwks.json
                with --origin: note-signing-key (mode 0600), log.vkeys
              without --out, everything is printed on stdout
  --force     replace files that already exist in DIR
  --json      print one JSON object instead of text
  -h, --help  this help

Publish public.pem or public.jwks.json to your auditors out of band: a key they
fetch from the server whose evidence they check proves nothing.

With --witness NAME: an Ed25519 key for a C2SP witness named NAME (a
schemeless URL, e.g. witness.example.com/w1), as a Go note signer key
(PRIVATE+KEY+NAME+<key ID>+...), and prints its cosignature/v1 vkey (type
0x04) for the logs and auditors that rely on the witness.
  --ml-dsa    also an ML-DSA-44 key (subtree/v1 cosignatures, type 0x06;
              needs @noble/post-quantum)
  --out DIR   write DIR/witness.key (mode 0600, for aegislog witness --key)
              and DIR/witness.vkey; without --out the key is printed`;

const options = {
  origin: { type: 'string' },
  out: { type: 'string' },
  force: { type: 'boolean' },
  json: { type: 'boolean' },
  witness: { type: 'string' },
  'ml-dsa': { type: 'boolean' },
} as const;

const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

export interface GeneratedKey {
  kid: string;
  privatePem: string;
  publicPem: string;
  privateJwk: JsonWebKey & { kid: string };
  publicJwk: { kty: 'EC'; crv: 'P-256'; x: string; y: string; kid: string; alg: 'ES256'; use: 'sig' };
}

/** A new P-256 key pair in every form the project reads. */
export async function generateKeyPair(): Promise<GeneratedKey> {
  const pair = await crypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']);
  const jwk = await crypto.subtle.exportKey('jwk', pair.privateKey);
  const coords = { kty: 'EC', crv: 'P-256', x: jwk.x!, y: jwk.y! } as const;
  const kid = jwkThumbprint(coords);
  const publicJwk = { ...coords, kid, alg: 'ES256', use: 'sig' } as const;
  return {
    kid,
    privatePem: pem('PRIVATE KEY', await crypto.subtle.exportKey('pkcs8', pair.privateKey)),
    publicPem: pem('PUBLIC KEY', await crypto.subtle.exportKey('spki', pair.publicKey)),
    privateJwk: { ...publicJwk, d: jwk.d! },
    publicJwk,
  };
}

export const keygenCommand: Command = {
  usage: USAGE,
  run: (args, io) =>
    runChecked({ name: 'keygen', options, positionals: { min: 0, max: 0 } }, args, io, (values) =>
      values.witness !== undefined
        ? values.origin !== undefined ? usage('--origin makes a log key; --witness a witness key: one at a time') : witnessKeygen(values.witness, values, io)
        : values['ml-dsa'] ? usage('--ml-dsa goes with --witness NAME') : keygen(values, io),
    ),
};

function usage(message: string): never {
  throw new InputError(`${message} (see aegislog keygen --help)`);
}

/** An Ed25519 witness key (0x04), and with --ml-dsa an ML-DSA-44 one (0x06), under one name. */
async function witnessKeygen(name: string, values: { out?: string; force?: boolean; json?: boolean; 'ml-dsa'?: boolean }, io: CliIO): Promise<number> {
  if (!isKeyName(name)) usage(`--witness ${JSON.stringify(name)}: a key name is non-empty, with no spaces and no "+"`);
  // subtree/v1 signs the cosigner's name behind a length byte: such a key could never cosign.
  if (values['ml-dsa'] && !fitsSubtreeField(name)) usage('--witness NAME is over 255 bytes: an ML-DSA-44 (--ml-dsa) cosigner\'s subtree/v1 needs a name of 1–255 bytes');
  let keys: NoteSigningKey[];
  try {
    keys = [await generateNoteSigningKey(name, NoteKeyType.CosignatureV1)];
    if (values['ml-dsa']) keys.push(await generateNoteSigningKey(name, NoteKeyType.MlDsa44));
  } catch (error) {
    throw new InputError((error as Error).message);
  }
  const vkeys = keys.map((k) => k.vkey);
  if (values.out === undefined) {
    if (values.json) io.out(JSON.stringify({ name, skeys: keys.map((k) => k.skey), vkeys }, null, 2));
    else io.out(`# witness ${name}: keep the PRIVATE+KEY lines secret (a file of mode 0600), publish the vkeys\n${keys.map((k) => k.skey).join('\n')}\n${vkeys.join('\n')}`);
    return EXIT.ok;
  }
  const keyPath = join(values.out, 'witness.key');
  const vkeyPath = join(values.out, 'witness.vkey');
  try {
    await mkdir(values.out, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new InputError(`cannot make ${values.out}: ${(error as Error).message}`);
  }
  for (const path of [keyPath, vkeyPath]) {
    if (values.force) await unlink(path).catch(() => undefined);
    else if (await exists(path)) throw new InputError(`${path} exists; use --force to replace it`);
  }
  try {
    await writeNoteKeyFile(keyPath, keys, { comment: `C2SP witness ${name}: aegislog witness --key ${keyPath}` });
    await writeFileAtomically(vkeyPath, `${vkeys.join('\n')}\n`, { mode: 0o644 });
  } catch (error) {
    throw new InputError(`cannot write ${keyPath}: ${(error as Error).message}`);
  }
  if (values.json) io.out(JSON.stringify({ name, vkeys, files: { key: keyPath, vkey: vkeyPath } }, null, 2));
  else io.out(`${vkeys.join('\n')}\nwrote ${keyPath}\nwrote ${vkeyPath}`);
  return EXIT.ok;
}

async function keygen(values: { origin?: string; out?: string; force?: boolean; json?: boolean }, io: CliIO): Promise<number> {
  const { origin } = values;
  if (origin !== undefined && !isKeyName(origin)) usage(`--origin ${JSON.stringify(origin)}: an origin is non-empty, with no spaces and no "+"`);
  const key = await generateKeyPair();
  const note = origin === undefined ? undefined : await logNoteKey(origin, key);
  if (values.out === undefined) {
    if (values.json) {
      const log = note && { note_key: note.skey, vkeys: note.vkeys };
      io.out(JSON.stringify({ kid: key.kid, private_pem: key.privatePem, public_pem: key.publicPem, private_jwk: key.privateJwk, public_jwk: key.publicJwk, ...log }, null, 2));
    } else {
      const log = note ? `\n# the note key of the log ${origin} (secret)\n${note.skey}\n# the log's vkeys (publish; auditors pin them)\n${note.vkeys.join('\n')}` : '';
      io.out(`# kid ${key.kid}\n${key.privatePem}${key.publicPem}${JSON.stringify({ keys: [key.publicJwk] })}${log}`);
    }
    return EXIT.ok;
  }
  // An existing key stops the command before it writes anything (docs/cli.md): the log's files are looked at first.
  if (note && !values.force) {
    for (const name of LOG_KEY_FILES) {
      const path = join(values.out, name);
      if (await exists(path)) throw new InputError(`${path} exists; use --force to replace it`);
    }
  }
  const files = await writeKeyFiles(values.out, key, values.force === true);
  if (note) Object.assign(files, await writeLogKeyFiles(values.out, origin!, note, values.force === true));
  if (values.json) io.out(JSON.stringify({ kid: key.kid, ...(note ? { vkeys: note.vkeys } : {}), files }, null, 2));
  else io.out(`kid ${key.kid}\n${note ? `${note.vkeys.join('\n')}\n` : ''}${Object.values(files).map((f) => `wrote ${f}`).join('\n')}`);
  return EXIT.ok;
}

/** The files of the log's note key, beside the receipt key's. */
const LOG_KEY_FILES = ['note-signing-key', 'log.vkeys'] as const;

/** The log's Ed25519 note key (type 0x01, named by the origin) and its two vkeys, ECDSA (this receipt key) first. */
async function logNoteKey(origin: string, key: GeneratedKey): Promise<{ key: NoteSigningKey; skey: string; vkeys: string[] }> {
  const noteKey = await generateNoteSigningKey(origin, NoteKeyType.Ed25519);
  const { vkeys } = await logNoteSigners(origin, await localSigner({ privateJwk: key.privateJwk }), noteKey.skey);
  return { key: noteKey, skey: noteKey.skey, vkeys };
}

async function writeLogKeyFiles(dir: string, origin: string, note: { key: NoteSigningKey; vkeys: string[] }, force: boolean): Promise<Record<string, string>> {
  const [keyPath, vkeysPath] = LOG_KEY_FILES.map((name) => join(dir, name)) as [string, string];
  for (const path of [keyPath, vkeysPath]) {
    if (force) await unlink(path).catch(() => undefined);
    else if (await exists(path)) throw new InputError(`${path} exists; use --force to replace it`);
  }
  try {
    await writeNoteKeyFile(keyPath, [note.key], { comment: `Ed25519 note key of the log ${origin} (keep secret; vkey: ${note.key.vkey})` });
    await writeFileAtomically(vkeysPath, note.vkeys.map((v) => `${v}\n`).join(''), { mode: 0o644 });
  } catch (error) {
    throw new InputError(`cannot write ${keyPath}: ${(error as Error).message}`);
  }
  return { note_key: keyPath, log_vkeys: vkeysPath };
}

async function writeKeyFiles(dir: string, key: GeneratedKey, force: boolean): Promise<Record<string, string>> {
  const files = {
    private_pem: [join(dir, 'private.pem'), key.privatePem, 0o600],
    private_jwk: [join(dir, 'private.jwk.json'), `${JSON.stringify(key.privateJwk, null, 2)}\n`, 0o600],
    public_pem: [join(dir, 'public.pem'), key.publicPem, 0o644],
    public_jwks: [join(dir, 'public.jwks.json'), `${JSON.stringify({ keys: [key.publicJwk] }, null, 2)}\n`, 0o644],
  } as const;
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new InputError(`cannot make ${dir}: ${(error as Error).message}`);
  }
  for (const [path] of Object.values(files)) {
    if (force) await unlink(path).catch(() => undefined);
    else if (await exists(path)) throw new InputError(`${path} exists; use --force to replace it`);
  }
  for (const [path, text, mode] of Object.values(files)) {
    try {
      // Whole or not at all, with its mode from creation (so the private key is never readable by
      // others, not even for a moment), and refused if a file appeared meanwhile.
      await writeFileAtomically(path, text, { mode });
    } catch (error) {
      throw new InputError(`cannot write ${path}: ${(error as Error).message}`);
    }
  }
  return Object.fromEntries(Object.entries(files).map(([name, [path]]) => [name, path]));
}

function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

function pem(label: string, der: ArrayBuffer): string {
  const body = b64Encode(new Uint8Array(der)).replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}
