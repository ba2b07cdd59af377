// `aegislog witness` (and `serve`, through the same hostError) on a port another process holds: one line saying so and how to pick
// another port, as `aegislog dev` says it, not Node's raw "listen EADDRINUSE: address already in use".
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { writeNoteKeyFile } from '../../src/server/note-key-file.js';
import { NoteKeyType } from '../../src/tlog/vkey.js';
import { generateNoteSigningKey } from '../../src/verify/note-signers.js';
import { fakeIO } from './fake-io.js';

const dir = mkdtempSync(join(tmpdir(), 'aegislog-witness-port-'));
const at = (name: string) => join(dir, name);
let busy: Server;
let port: number;
let logVkey: string;
beforeAll(async () => {
  await writeNoteKeyFile(at('witness.key'), [await generateNoteSigningKey('w.example/w1', NoteKeyType.CosignatureV1)]);
  logVkey = (await generateNoteSigningKey('log.example/a', NoteKeyType.Ed25519)).vkey;
  busy = createServer().listen(0, '127.0.0.1');
  await once(busy, 'listening');
  port = (busy.address() as { port: number }).port;
});
afterAll(async () => {
  busy?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('witness on a port in use says so in one line, with how to pick another', async () => {
  const io = fakeIO();
  const code = await main(['witness', '--key', at('witness.key'), '--logs', logVkey, '--data', at('data'), '--port', String(port)], io);
  expect(code).toBe(1);
  expect(io.stderr.join('\n')).toBe(`aegislog witness: 127.0.0.1:${port} is already in use: stop what listens there, or pick another --port (--port 0 picks a free one)`);
});
