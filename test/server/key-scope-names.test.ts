// A keys file's `scope` is one of "ingest", "read", "admin": checked as an own name of the scope table,
// never through `in`, which also finds what every object inherits (review, 2026-12-07: a key with
// scope "toString" was taken at start, and then passed every scope check, `POST /admin/seal` included).
import { expect, test } from 'vitest';
import { createServer, localSigner, memoryStore } from '../../src/server/index.js';
import type { ApiKeyConfig } from '../../src/server/index.js';

test.each(['toString', 'constructor', 'valueOf', 'hasOwnProperty', '__proto__'])('a key with scope %j is refused at start with ERR_CONFIG naming keys[0].scope', async (scope) => {
  const keys = [{ key: 'a-long-enough-key-0001', tenant_id: 'acme', scope }] as unknown as ApiKeyConfig[];
  const create = async () => createServer({ signer: await localSigner(), store: memoryStore(), keys, origin: 'scope.test/log' });
  await expect(create()).rejects.toMatchObject({ code: 'ERR_CONFIG', field: 'keys[0].scope' });
});
