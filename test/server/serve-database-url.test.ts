// `aegislog serve --database-url` in a form node-postgres takes but WHATWG URL does not: a user name with
// an empty host and the host in the query (`postgres://aegis@/aegislog?host=/var/run/postgresql`, the
// documented way to a Unix socket; here `?host=127.0.0.1&port=N`, as the test cluster listens on TCP
// only). The server connected, migrated and listened, and then the banner's `new URL(databaseUrl)`
// threw "Invalid URL": every start failed, exit 1. startServe in process, a real PostgreSQL.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { main } from '../../src/cli/main.js';
import { startServe } from '../../src/cli/serve.js';
import { startPostgres, type PostgresCluster } from '../../scripts/pg-cluster.mjs';

const ORIGIN = 'db-url.test.example/log';
const dir = mkdtempSync(join(tmpdir(), 'aegislog-serve-dburl-'));
let cluster: PostgresCluster;

beforeAll(async () => {
  cluster = await startPostgres({ fsync: false });
  expect(await main(['keygen', '--origin', ORIGIN, '--out', join(dir, 'keys')], { out: () => {}, err: () => {} })).toBe(0);
  writeFileSync(join(dir, 'api-keys.json'), JSON.stringify([{ key: 'admin-key-dburl-000000000001', tenant_id: '*', scope: 'admin' }]), { mode: 0o600 });
}, 120_000);
afterAll(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a database URL with the host in its query starts the server, and the banner shows no password', async () => {
  const database = `postgres://postgres:not-shown@/postgres?host=127.0.0.1&port=${cluster.port}`;
  const out: string[] = [];
  const running = await startServe(
    {
      host: '127.0.0.1', port: 0, databaseUrl: database, signingKeyFile: join(dir, 'keys', 'private.jwk.json'), noteKeyFile: join(dir, 'keys', 'note-signing-key'),
      keysFile: join(dir, 'api-keys.json'), origin: ORIGIN, period: 86400,
    },
    { out: (l) => void out.push(l), err: () => {} },
  );
  try {
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
    const banner = out.join('\n');
    expect(banner).toMatch(/store: {3}PostgreSQL 127\.0\.0\.1\/postgres \(pool/);
    expect(banner).not.toContain('not-shown');
  } finally {
    await running.stop();
  }
}, 120_000);
