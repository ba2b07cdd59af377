// `aegislog mirror --tenant ..` (or ".") made the tenant's folder logs/../ (encodeURIComponent leaves dots alone):
// its heads were fetched from the server's root and written over the mirror's own files at DIR/heads. A tenant id
// is 1–128 of [A-Za-z0-9._-], never "." or ".." (the server refuses those too): anything else is now refused before
// anything is fetched or written, exit 2, naming the option.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mirrorCommand } from '../../src/cli/mirror.js';
import { fakeIO } from './fake-io.js';

const dir = mkdtempSync(join(tmpdir(), 'aegislog-mirror-tenant-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('aegislog mirror --tenant with what is not a tenant id', () => {
  it.each(['..', '.', 'a/b', ''])('--tenant %j: exit 2 before any fetch, naming --tenant', async (tenant) => {
    const fetched: string[] = [];
    const io = fakeIO({
      fetch: (async (url: URL | string) => {
        fetched.push(String(url));
        throw new Error('no network in this test');
      }) as typeof fetch,
    });
    const to = join(dir, `to-${fetched.length}-${tenant.length}`);
    const code = await mirrorCommand.run(['--from', 'http://127.0.0.1:9/', '--to', to, '--tenant', tenant, '--api-key', 'k'], io);
    expect(code).toBe(2);
    expect(fetched).toEqual([]);
    expect(io.stderr.join('\n')).toContain(`--tenant ${JSON.stringify(tenant)} is not a tenant id`);
    expect(() => readdirSync(to)).toThrow();
  });
});
