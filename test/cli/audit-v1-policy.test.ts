// The version-1 audit (--export with --checkpoints) checks under --key only: version 1 has no
// tlog-policy. A --policy given with it was dropped without a word, and the audit passed as if the
// policy's witnesses and quorum had been held to. It is refused instead (exit 2), as a version-2
// EXPORT given with --export, --checkpoints or --head is.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { auditCommand } from '../../src/cli/audit.js';
import { fakeIO } from './fake-io.js';
import { makeSignedLog, ndjson } from './signed-log.js';

const dir = mkdtempSync(join(tmpdir(), 'aegislog-v1-policy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('aegislog audit --export (version 1) with --policy', () => {
  it('is refused, naming the flag; without it the same audit passes', async () => {
    const start = Date.UTC(2026, 10, 1);
    const log = await makeSignedLog([{ start, end: start + 3_600_000, tenants: { acme: 3 } }]);
    const { tenant_head, tenant_inclusion } = log.bundle(0, 'acme', 0);
    writeFileSync(join(dir, 'key.pem'), log.key.publicPem);
    writeFileSync(join(dir, 'checkpoints.json'), JSON.stringify({ checkpoints: log.checkpoints, tenant_heads: [{ tenant_head, tenant_inclusion }] }));
    writeFileSync(join(dir, 'export.ndjson'), ndjson(log.periods[0]!.receipts.get('acme')!));
    writeFileSync(join(dir, 'policy.txt'), 'quorum none\n');
    const args = ['--export', join(dir, 'export.ndjson'), '--checkpoints', join(dir, 'checkpoints.json'), '--key', join(dir, 'key.pem')];

    const plain = fakeIO();
    expect(await auditCommand.run(args, plain)).toBe(0);

    const io = fakeIO();
    const code = await auditCommand.run([...args, '--policy', join(dir, 'policy.txt')], io);
    expect(io.stdout).toEqual([]);
    expect(io.stderr).toEqual(['aegislog audit: --policy is for a version-2 EXPORT; a version-1 audit (--export) checks under --key alone (see aegislog audit --help)']);
    expect(code).toBe(2);
  });
});
