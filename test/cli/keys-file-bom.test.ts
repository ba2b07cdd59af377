// An API keys file saved by an editor that starts it with a byte order mark (EF BB BF), as RFC 8259
// §8.1 lets a reader ignore and as every file the auditor commands read is taken (docs/cli.md, "Text
// is UTF-8"): `aegislog dev --keys` (and serve) read it, instead of refusing it as "Unexpected token".
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readKeysFile } from '../../src/cli/host.js';
import { startDev } from '../../src/cli/dev.js';

const dir = mkdtempSync(join(tmpdir(), 'aegislog-keys-bom-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const KEYS = [{ key: 'ingest-key-bom-test-000001', tenant_id: 'acme', scope: 'ingest' }];

describe('a keys file with a byte order mark', () => {
  it('is read as the same file without it', async () => {
    const path = join(dir, 'keys.json');
    writeFileSync(path, `\ufeff${JSON.stringify(KEYS, null, 2)}\r\n`, { mode: 0o600 });
    expect(await readKeysFile(path)).toEqual(KEYS);
  });

  it('aegislog dev --keys starts on it', async () => {
    const path = join(dir, 'dev-keys.json');
    writeFileSync(path, `\ufeff${JSON.stringify(KEYS)}`, { mode: 0o600 });
    const dev = await startDev({ host: '127.0.0.1', port: 0, dataDir: join(dir, 'data'), period: 86400, sync: 'normal', keysFile: path }, { out: () => {}, err: () => {} });
    try {
      expect(dev.keys).toEqual(KEYS);
    } finally {
      await dev.stop();
    }
  });

  it('a BOM anywhere else is still not JSON', async () => {
    const path = join(dir, 'twice.json');
    writeFileSync(path, `\ufeff\ufeff${JSON.stringify(KEYS)}`, { mode: 0o600 });
    await expect(readKeysFile(path)).rejects.toMatchObject({ name: 'UsageError', message: expect.stringContaining(`cannot read the keys file ${path}`) });
  });
});
