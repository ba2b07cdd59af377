// createServer's noteKey that is no signer key at all was refused as ERR_VKEY_INVALID naming `skey`, a field the
// caller never wrote, where its twin (a signer key of another type or origin) is ERR_CONFIG naming noteKey.
import { expect, test } from 'vitest';
import { createServer, localSigner, memoryStore } from '../../src/server/index.js';

test.each([
  ['no signer key', 'garbage'],
  ['empty', ''],
  ['a seed of 2 bytes', 'PRIVATE+KEY+config.test/log+00bd893d+AQcH'],
  ['a key ID that is not the key\'s', 'PRIVATE+KEY+config.test/log+00000000+AQcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcH'],
])('a noteKey that is %s is refused as its twin is: ERR_CONFIG naming noteKey', async (_what, noteKey) => {
  const server = createServer({ signer: await localSigner(), store: memoryStore(), keys: [], origin: 'config.test/log', noteKey });
  await expect(server.ready).rejects.toMatchObject({ code: 'ERR_CONFIG', field: 'noteKey' });
});
