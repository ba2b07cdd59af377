// `aegislog dev --host H` and `aegislog witness --host H` where H cannot be listened on: a name that
// does not resolve, or an address this machine does not have. Refused naming --host, exit 2, as a
// bad --port is; not node's "getaddrinfo ENOTFOUND …" or "listen EADDRNOTAVAIL …" (exit 1).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { writeNoteKeyFile } from '../../src/server/note-key-file.js';
import { NoteKeyType } from '../../src/tlog/vkey.js';
import { generateNoteSigningKey } from '../../src/verify/note-signers.js';
import { fakeIO } from './fake-io.js';

const dir = mkdtempSync(join(tmpdir(), 'aegislog-host-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let witnessArgs: string[];
beforeAll(async () => {
  await writeNoteKeyFile(join(dir, 'witness.key'), [await generateNoteSigningKey('w.example/w1', NoteKeyType.CosignatureV1)]);
  writeFileSync(join(dir, 'log.vkeys'), `${(await generateNoteSigningKey('log.example/a', NoteKeyType.Ed25519)).vkey}\n`);
  witnessArgs = ['--key', join(dir, 'witness.key'), '--logs', join(dir, 'log.vkeys')];
});

let run = 0;
describe('a --host it cannot listen on', () => {
  it.each([
    ['dev', 'no-such-host.invalid', 'the name does not resolve'],
    ['dev', '192.0.2.1', 'not an address of this machine'],
    ['witness', 'no-such-host.invalid', 'the name does not resolve'],
    ['witness', '192.0.2.1', 'not an address of this machine'],
  ])('%s --host %s: exit 2, naming --host', async (command, host, why) => {
    const io = fakeIO();
    const data = join(dir, `data-${run++}`);
    const code = await main([command, '--host', host, '--port', '0', '--data', data, ...(command === 'witness' ? witnessArgs : ['--origin', 'log.example/a'])], io);
    expect(io.stderr.join('\n').split('\n')[0]).toBe(`aegislog ${command}: --host ${host}: cannot listen there (${why})`);
    expect(code).toBe(2);
  });
});
