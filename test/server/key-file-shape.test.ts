// A data folder's signing key (signing-key.jwk) that is JSON but no private P-256 key: refused, naming the
// folder, as readSigningJwk refuses such a file given by path. `null` in it used to start the server on a
// new random key at each start (localSigner took it for "no key given"); `{}` or a public key, a raw error of node:crypto.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { AegisLogError } from '../../src/protocol/index.js';
import { KEY_FILE, localSigner } from '../../src/server/key-file.js';
import { tempDir } from './helpers.js';

test.each([
  ['null', 'null'],
  ['an empty object', '{}'],
  ['a public key', JSON.stringify({ kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' })],
  ['an RSA key', JSON.stringify({ kty: 'RSA', n: 'AQAB', e: 'AQAB', d: 'AQAB' })],
])('a signing-key.jwk holding %s is refused as ERR_KEY_INVALID naming dir', async (_what, text) => {
  const temp = await tempDir();
  await writeFile(join(temp.dir, KEY_FILE), `${text}\n`, { mode: 0o600 });
  const error = await localSigner({ dir: temp.dir }).then(
    (signer) => signer.keyId,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AegisLogError);
  expect(error).toMatchObject({ code: 'ERR_KEY_INVALID', field: 'dir' });
});
