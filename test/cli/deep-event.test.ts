// `aegislog verify` on a bundle whose event nests 200,000 levels deep: the digest check fails saying
// which field nests too deep (ERR_TOO_DEEP from canonicalize), with exit 1, never the engine's
// "Maximum call stack size exceeded" or a crash.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyCommand } from '../../src/cli/verify.js';
import { JCS_MAX_DEPTH } from '../../src/protocol/jcs.js';
import { fakeIO } from './fake-io.js';

const VECTORS = join(import.meta.dirname, '../vectors/aegislog-v1');
const dir = mkdtempSync(join(tmpdir(), 'aegislog-deep-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('aegislog verify and an event nested 200,000 levels deep', () => {
  it('fails the digest check naming the field (exit 1), in text and in --json', async () => {
    const bundle = JSON.parse(readFileSync(join(VECTORS, 'bundles/000.json'), 'utf8'));
    bundle.event.deep = 0;
    const depth = 200_000;
    const path = join(dir, 'deep.json');
    writeFileSync(path, JSON.stringify(bundle).replace('"deep":0', `"deep":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`));
    const reason = `deep${'.a'.repeat(JCS_MAX_DEPTH - 1)} nests deeper than ${JCS_MAX_DEPTH} levels`;
    for (const json of [false, true]) {
      const io = fakeIO();
      const code = await verifyCommand.run([path, '--key', join(VECTORS, 'key.pem'), ...(json ? ['--json'] : [])], io);
      expect(code).toBe(1);
      expect(io.stderr).toEqual([]);
      expect(io.text()).toContain(reason);
      expect(io.text()).not.toContain('call stack');
    }
  });
});
