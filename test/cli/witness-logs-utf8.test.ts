// `aegislog witness --logs FILE` read the file with Node's replacing decoder: a byte that is not UTF-8 became
// U+FFFD and the witness started on a policy other than the file holds, where `aegislog verify --policy` refuses
// the same file as "not UTF-8" (exit 2, docs/cli.md: "Text is UTF-8"). The witness now refuses it too, naming the
// file, the line and the byte offset, before anything listens. Real files.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startWitness } from '../../src/cli/witness.js';
import { writeNoteKeyFile } from '../../src/server/note-key-file.js';
import { NoteKeyType } from '../../src/tlog/vkey.js';
import { generateNoteSigningKey } from '../../src/verify/note-signers.js';

const dir = mkdtempSync(join(tmpdir(), 'aegislog-witness-utf8-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('witness --logs: a tlog-policy that is not UTF-8', () => {
  it('is refused as a usage error naming the file and where, nothing started', async () => {
    const key = join(dir, 'witness.key');
    await writeNoteKeyFile(key, [await generateNoteSigningKey('w.example/w1', NoteKeyType.CosignatureV1)]);
    const log = await generateNoteSigningKey('log.example/latin1', NoteKeyType.Ed25519);
    const policy = join(dir, 'policy.txt');
    // A comment saved in Latin-1 ("é" as one byte 0xE9): the rest of the file is a valid policy.
    writeFileSync(policy, Buffer.concat([Buffer.from('# r'), Buffer.from([0xe9]), Buffer.from(`sum\u00e9 of the logs\nlog ${log.vkey}\nquorum none\n`)]));
    const start = startWitness(
      { keyFile: key, logs: policy, dataDir: join(dir, 'data'), host: '127.0.0.1', port: 0, prefix: '', store: 'sqlite', sync: 'normal' },
      { out: () => {}, err: () => {} },
    );
    await expect(start).rejects.toMatchObject({ name: 'UsageError', message: expect.stringMatching(/policy\.txt is not UTF-8: an invalid byte sequence at line 1, byte offset 3/) });
  });
});
