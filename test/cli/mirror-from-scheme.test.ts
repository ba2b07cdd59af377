// `aegislog mirror --from localhost:8787` (the scheme left out, an easy slip): WHATWG URL reads "localhost:"
// as a scheme, so the check of --from let it through and the first request failed with a bare
// "Invalid URL" (a TypeError's words) that named neither the flag nor the value. It is refused as
// --from's mistake, as a --from that is no URL at all is.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mirrorCommand } from '../../src/cli/mirror.js';
import { fakeIO } from './fake-io.js';

const dir = mkdtempSync(join(tmpdir(), 'aegislog-mirror-from-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('aegislog mirror --from without http:// or https://', () => {
  it.each(['localhost:8787', 'log.example.com:443/aegislog', 'ftp://log.example.com/'])('%s: exit 2 naming --from, nothing fetched or written', async (from) => {
    let fetched = 0;
    const io = fakeIO({ fetch: (async () => (fetched++, new Response('{}'))) as typeof fetch });
    const code = await mirrorCommand.run(['--from', from, '--to', join(dir, 'out')], io);
    expect(code).toBe(2);
    expect(io.stderr).toEqual([`aegislog mirror: --from ${from} is not an http:// or https:// URL`]);
    expect(fetched).toBe(0);
  });
});
