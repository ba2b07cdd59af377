// A key file given to `serve` (--signing-key, --note-key) or `witness` (--key) that cannot be read,
// or holds no key, is unusable input: exit 2, as `serve --keys` and `witness --logs` have it for
// their files, not exit 1 (the exit of a command that ran and failed). No database is reached:
// the key files are read first.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { writeNoteKeyFile } from '../../src/server/note-key-file.js';
import { NoteKeyType } from '../../src/tlog/vkey.js';
import { generateNoteSigningKey } from '../../src/verify/note-signers.js';
import { fakeIO } from './fake-io.js';

const dir = mkdtempSync(join(tmpdir(), 'aegislog-key-exit-'));
const at = (name: string) => join(dir, name);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  await writeNoteKeyFile(at('witness.key'), [await generateNoteSigningKey('w.example/w1', NoteKeyType.CosignatureV1)]);
  await writeNoteKeyFile(at('note.key'), [await generateNoteSigningKey('log.example/a', NoteKeyType.Ed25519)]);
  writeFileSync(at('log.vkeys'), `${(await generateNoteSigningKey('log.example/a', NoteKeyType.Ed25519)).vkey}\n`);
  writeFileSync(at('keys.json'), '[]\n', { mode: 0o600 });
  writeFileSync(at('not-a-key'), 'hello\n', { mode: 0o600 });
});

async function exit(args: string[]) {
  const io = fakeIO();
  const code = await main(args, io);
  return { code, first: io.stderr.join('\n').split('\n')[0] };
}

describe('a key file that is no key', () => {
  it.each([
    ['a missing --key', () => ['witness', '--key', at('missing'), '--logs', at('log.vkeys'), '--data', at('w1'), '--port', '0'], /^aegislog witness: cannot read .*missing: /],
    ['a --key that is a folder', () => ['witness', '--key', dir, '--logs', at('log.vkeys'), '--data', at('w2'), '--port', '0'], /^aegislog witness: cannot read /],
    ['a --key without a key', () => ['witness', '--key', at('not-a-key'), '--logs', at('log.vkeys'), '--data', at('w3'), '--port', '0'], /^aegislog witness: .*not-a-key line 1: /],
  ])('witness, %s: exit 2', async (_name, args, message) => {
    const { code, first } = await exit(args());
    expect(first).toMatch(message);
    expect(code).toBe(2);
  });

  const serve = (extra: string[]) => ['serve', '--database-url', 'postgres://127.0.0.1:1/none', '--keys', at('keys.json'), '--origin', 'log.example/a', '--port', '0', ...extra];
  it.each([
    ['a missing --signing-key', () => serve(['--signing-key', at('missing'), '--note-key', at('note.key')]), /^aegislog serve: cannot read .*missing: /],
    ['a --signing-key that is no JWK', () => serve(['--signing-key', at('not-a-key'), '--note-key', at('note.key')]), /not-a-key is not a private P-256 JSON Web Key/],
  ])('serve, %s: exit 2', async (_name, args, message) => {
    const { code, first } = await exit(args());
    expect(first).toMatch(message);
    expect(code).toBe(2);
  });
});
