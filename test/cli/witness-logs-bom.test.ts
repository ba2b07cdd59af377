// `aegislog witness --logs FILE` given a tlog-policy saved by an editor that starts it with a byte order mark:
// the very file an auditor passes to `aegislog verify --policy`, which reads it (its decoder drops the BOM, as
// RFC 8259 and docs/cli.md's "Text is UTF-8" have every input file read). The witness refused it as "policy
// line 1: unknown keyword", exit 2. Read as the same file without it now. Real files, a real listening witness.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startWitness } from '../../src/cli/witness.js';
import { writeNoteKeyFile } from '../../src/server/note-key-file.js';
import { NoteKeyType } from '../../src/tlog/vkey.js';
import { generateNoteSigningKey } from '../../src/verify/note-signers.js';

const dir = mkdtempSync(join(tmpdir(), 'aegislog-witness-bom-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('witness --logs: a tlog-policy with a byte order mark', () => {
  it('is read as the same policy without it', async () => {
    const key = join(dir, 'witness.key');
    await writeNoteKeyFile(key, [await generateNoteSigningKey('w.example/w1', NoteKeyType.CosignatureV1)]);
    const log = await generateNoteSigningKey('log.example/bom', NoteKeyType.Ed25519);
    const policy = join(dir, 'policy.txt');
    writeFileSync(policy, `\ufefflog ${log.vkey}\nquorum none\n`);
    const running = await startWitness(
      { keyFile: key, logs: policy, dataDir: join(dir, 'data'), host: '127.0.0.1', port: 0, prefix: '', store: 'sqlite', sync: 'normal' },
      { out: () => {}, err: () => {} },
    );
    try {
      const origins = await fetch(`${running.url}/add-checkpoint`, { method: 'POST', body: 'old 0\n\nlog.example/bom\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n\u2014 log.example/bom AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n' });
      // Known origin, a signature that does not verify: 403, not the 404 of an origin it does not witness.
      expect(origins.status).toBe(403);
    } finally {
      await running.stop();
    }
  });
});
