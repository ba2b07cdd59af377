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

test('a key below a route\'s scope is told which scope the route needs, in words', async () => {
  const keys: ApiKeyConfig[] = [{ key: 'a-long-enough-read-key-01', tenant_id: 'acme', scope: 'read' }, { key: 'a-long-enough-ingest-key1', tenant_id: 'acme', scope: 'ingest' }];
  const server = createServer({ signer: await localSigner(), store: memoryStore(), keys, origin: 'scope.test/log' });
  const message = async (path: string, key: string) =>
    ((await (await server.fetch(new Request(`http://scope.test${path}`, { method: path.startsWith('/admin') ? 'POST' : 'GET', headers: { 'x-api-key': key } }))).json()) as { error: { message: string } }).error.message;
  expect(await message('/admin/seal', 'a-long-enough-read-key-01')).toBe("this route needs an admin key; this key's scope is read");
  expect(await message('/head?tenant_id=acme', 'a-long-enough-ingest-key1')).toBe("this route needs a read key; this key's scope is ingest");
  await server.settled();
});
