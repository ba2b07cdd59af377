// `--witness URL=VKEY` with a vkey that is no witness key (the log's own vkey pasted, type 0x01 or 0x02):
// a vkey that does not parse is a usage error (exit 2), but this one was taken, and `aegislog dev` then
// wrote it into DIR/policy.txt as a witness before the server refused it and exited 1 (ERR_CONFIG).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { main } from '../../src/cli/main.js';
import { NoteKeyType } from '../../src/tlog/vkey.js';
import { generateNoteSigningKey } from '../../src/verify/note-signers.js';
import { fakeIO } from './fake-io.js';

const dir = mkdtempSync(join(tmpdir(), 'aegislog-witness-key-type-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('dev --witness URL=<a log vkey>: exit 2 naming --witness, and no policy.txt', async () => {
  const { vkey } = await generateNoteSigningKey('log.example/a', NoteKeyType.Ed25519);
  const data = join(dir, 'data');
  const io = fakeIO();
  const code = await main(['dev', '--data', data, '--port', '0', '--witness', `http://127.0.0.1:1=${vkey}`], io);
  expect(io.stderr.join('\n').split('\n')[0]).toMatch(/^aegislog dev: --witness http:\/\/127\.0\.0\.1:1=\S+: witness key type 0x01 is not a cosignature type/);
  expect(code).toBe(2);
  expect(existsSync(join(data, 'policy.txt'))).toBe(false);
});
