// `aegislog serve --host H` where H cannot be listened on, as `dev` and `witness` refuse it: naming
// --host, exit 2, not node's "getaddrinfo ENOTFOUND …" (exit 1). A real PostgreSQL: serve reaches its
// listen only after the database is up and migrated, and closes it again when the listen fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresCluster } from '../../scripts/pg-cluster.mjs';
import { main } from '../../src/cli/main.js';
import { fleetKeys, serveArgs, type FleetKeys } from '../server/fleet.js';
import { tempDir } from '../server/helpers.js';
import { fakeIO } from './fake-io.js';

let cluster: PostgresCluster;
let temp: Awaited<ReturnType<typeof tempDir>>;
let keys: FleetKeys;

beforeAll(async () => {
  [cluster, temp] = await Promise.all([startPostgres({ fsync: false }), tempDir()]);
  keys = await fleetKeys(temp.dir, ['acme']);
}, 120_000);
afterAll(async () => {
  try {
    await cluster?.stop();
  } finally {
    await temp?.remove();
  }
});

describe('aegislog serve, a --host it cannot listen on', () => {
  it.each([
    ['no-such-host.invalid', 'the name does not resolve'],
    ['192.0.2.1', 'not an address of this machine'],
  ])('--host %s: exit 2, naming --host', async (host, why) => {
    const io = fakeIO();
    const code = await main([...serveArgs(cluster.url(), keys), '--host', host], io);
    expect(io.stderr.join('\n').split('\n')[0]).toBe(`aegislog serve: --host ${host}: cannot listen there (${why})`);
    expect(code).toBe(2);
  }, 60_000);
});
