// A private JWK file saved by an editor that starts it with a byte order mark (EF BB BF), as RFC 8259 §8.1 lets
// a reader ignore and as the API keys file beside it is read (keys-file-bom.test.ts): `aegislog serve
// --signing-key` (readSigningJwk) and a data folder's signing-key.jwk (localSigner({ dir })) refused it as "not a
// private P-256 JSON Web Key". Read as the same file without it now. Real files.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { generateSigningJwk, localSigner, readNoteKeyFile, readSigningJwk } from '../../src/server/node.js';
import { writeNoteKeyFile } from '../../src/server/note-key-file.js';
import { generateNoteSigningKey } from '../../src/verify/note-signers.js';

const dir = mkdtempSync(join(tmpdir(), 'aegislog-key-bom-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('a private JWK file with a byte order mark is read as the same file without it', async () => {
  const jwk = await generateSigningJwk();
  const path = join(dir, 'private.jwk.json');
  writeFileSync(path, `\ufeff${JSON.stringify(jwk, null, 2)}\r\n`, { mode: 0o600 });
  expect(await readSigningJwk(path)).toEqual(jwk);
  const folder = join(dir, 'data');
  mkdirSync(folder, { mode: 0o700 });
  writeFileSync(join(folder, 'signing-key.jwk'), `\ufeff${JSON.stringify(jwk)}\n`, { mode: 0o600 });
  expect((await localSigner({ dir: folder })).keyId).toBe((await localSigner({ privateJwk: jwk })).keyId);
});

test('a note key file with a byte order mark is read too (as it was)', async () => {
  const key = await generateNoteSigningKey('log.example/a');
  const path = join(dir, 'note-signing-key');
  await writeNoteKeyFile(path, [key]);
  writeFileSync(path, `\ufeff${key.skey}\n`, { mode: 0o600 });
  expect((await readNoteKeyFile(path)).map((k) => k.vkey)).toEqual([key.vkey]);
});
