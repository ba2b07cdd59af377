// `aegislog witness --logs FILE` that holds no usable log key is unusable input: exit 2 with one line, as
// a --logs file with a malformed vkey line already has it (and as key-file-exit.test.ts has it for --key).
// A tlog-policy file with a mistake in it, or a file of comments only, exited 1 instead: the exit of a
// witness that ran and failed, which a supervisor may restart in a loop rather than report.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { writeNoteKeyFile } from '../../src/server/note-key-file.js';
import { NoteKeyType } from '../../src/tlog/vkey.js';
import { generateNoteSigningKey } from '../../src/verify/note-signers.js';
import { fakeIO } from './fake-io.js';

const dir = mkdtempSync(join(tmpdir(), 'aegislog-witness-logs-'));
const at = (name: string) => join(dir, name);
let logVkey: string;
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  await writeNoteKeyFile(at('witness.key'), [await generateNoteSigningKey('w.example/w1', NoteKeyType.CosignatureV1)]);
  logVkey = (await generateNoteSigningKey('log.example/a', NoteKeyType.Ed25519)).vkey;
  writeFileSync(at('bad-vkey'), 'not a vkey\n');
  writeFileSync(at('comments-only'), '# the logs go here\n\n');
  writeFileSync(at('bad-policy'), `log ${logVkey}\nquorum w9\n`);
  writeFileSync(at('policy-no-logs'), 'quorum none\n');
});

async function exit(logs: string, data: string) {
  const io = fakeIO();
  const code = await main(['witness', '--key', at('witness.key'), '--logs', at(logs), '--data', at(data), '--port', '0'], io);
  return { code, lines: io.stderr.join('\n').split('\n') };
}

describe('witness --logs without a usable log key: exit 2', () => {
  it.each([
    ['a malformed vkey line', 'bad-vkey', /^aegislog witness: vkey is not /],
    ['comments only', 'comments-only', /^aegislog witness: a witness needs at least one log key/],
    ['a policy whose quorum names no witness', 'bad-policy', /^aegislog witness: .*w9/],
    ['a policy with no log line', 'policy-no-logs', /^aegislog witness: a witness needs at least one log key/],
  ])('%s', async (_name, logs, message) => {
    const { code, lines } = await exit(logs, `data-${logs}`);
    expect(lines[0]).toMatch(message);
    expect(code).toBe(2);
  });
});
