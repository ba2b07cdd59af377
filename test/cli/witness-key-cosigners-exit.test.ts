// `aegislog witness --key FILE` whose keys cannot make a witness is unusable input: exit 2 with one line,
// as a --key that holds no key (key-file-exit.test.ts) and a --logs without a usable log key
// (witness-logs-exit.test.ts) have it. A key file of an ML-DSA-44 key alone (no Ed25519 cosigner), or of
// an ML-DSA-44 key whose name subtree/v1 cannot carry, exited 1 instead: the exit of a witness that ran
// and failed, which a supervisor may restart in a loop rather than report.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { writeNoteKeyFile } from '../../src/server/note-key-file.js';
import { NoteKeyType } from '../../src/tlog/vkey.js';
import { generateNoteSigningKey } from '../../src/verify/note-signers.js';
import { fakeIO } from './fake-io.js';

const dir = mkdtempSync(join(tmpdir(), 'aegislog-witness-key-'));
const at = (name: string) => join(dir, name);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  await writeNoteKeyFile(at('ml-dsa-only.key'), [await generateNoteSigningKey('w.example/w1', NoteKeyType.MlDsa44)]);
  await writeNoteKeyFile(at('long-ml-dsa.key'), [
    await generateNoteSigningKey('w.example/w1', NoteKeyType.CosignatureV1),
    await generateNoteSigningKey(`w.example/${'p'.repeat(250)}`, NoteKeyType.MlDsa44),
  ]);
  writeFileSync(at('log.vkeys'), `${(await generateNoteSigningKey('log.example/a', NoteKeyType.Ed25519)).vkey}\n`);
});

describe('witness --key whose keys make no witness: exit 2', () => {
  it.each([
    ['an ML-DSA-44 key alone', 'ml-dsa-only.key', /^aegislog witness: a witness needs an Ed25519 cosigner \(type 0x04\)$/],
    ['an ML-DSA-44 key named over 255 bytes', 'long-ml-dsa.key', /^aegislog witness: cosigner name .* is over 255 bytes/],
  ])('%s', async (_name, key, message) => {
    const io = fakeIO();
    const code = await main(['witness', '--key', at(key), '--logs', at('log.vkeys'), '--data', at(`data-${key}`), '--port', '0'], io);
    expect(io.stderr.join('\n').split('\n')[0]).toMatch(message);
    expect(code).toBe(2);
  });
});
