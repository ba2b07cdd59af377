// A server whose onError throws (a logger that has failed) while a witness is down: the witness client's
// submission loop runs beside every request, on its own, and what it lets escape is an unhandled
// rejection, which ends a Node process. The server is real (SQLite, HTTP on 127.0.0.1), and so is the
// witness that is down: an HTTP server that answers 503.
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, test } from 'vitest';
import { generateNoteSigningKey } from '../../src/verify/note-signers.js';
import { NoteKeyType } from '../../src/tlog/vkey.js';
import { KEYS, event, start, type Running } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function downWitness(): Promise<{ url: string; requests: () => number }> {
  let requests = 0;
  const server: Server = createServer((req, res) => {
    requests++;
    req.resume();
    res.writeHead(503, { 'content-type': 'text/plain' }).end('down for maintenance\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, requests: () => requests };
}

describe('witness client with an onError that throws', () => {
  test('a failed submission leaves no unhandled rejection, and the server goes on', async () => {
    const witness = await downWitness();
    const key = await generateNoteSigningKey('witness.test.example/w1', NoteKeyType.CosignatureV1);
    const thrown: unknown[] = [];
    const s: Running = await start({
      witnesses: [{ url: witness.url, vkey: key.vkey }],
      witnessRetry: { attempts: 1 },
      onError: (error) => {
        thrown.push(error);
        throw new Error('the logger is down');
      },
    });
    cleanups.push(() => s.stop());
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      expect((await s.call('/ingest', { key: KEYS.ingest, json: event() })).status).toBe(200);
      await s.server.sealNow(); // the checkpoint goes to the witness, which answers 503
      const status = async () => ((await (await s.call('/healthz', { key: null })).json()) as { witnesses: { last_error: string | null }[] }).witnesses[0]!;
      while ((await status()).last_error === null) await new Promise((resolve) => setImmediate(resolve));
      // The loop has failed and told onError; macrotasks pass, so that Node would have reported a rejection nobody handled.
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
      expect(witness.requests()).toBe(1);
      expect((thrown[0] as Error).message).toContain('answered 503');
      expect(unhandled).toEqual([]);
      expect((await s.call('/healthz', { key: null })).status).toBe(200);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
