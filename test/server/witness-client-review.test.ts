// The log as a witness client (src/server/witness-client.ts) on four faults a review found: a store
// read that fails once, a witness that never finishes its answer, one whose answer is huge, and a
// seal that lands while a submission loop is ending. The witness is the real aegislog/witness,
// over real HTTP on 127.0.0.1 where a socket matters; the log is test/witness/helpers.ts's small
// signed log, and the server Store is a stand-in holding its one latest checkpoint
// (witness-client-support.ts).
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, test } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { b64Encode } from '../../src/protocol/index.js';
import { parseCheckpoint } from '../../src/tlog/checkpoint.js';
import { cosignatureV1Message, formatTimestampedSignature, subtreeV1Message } from '../../src/tlog/cosignature.js';
import { parseVkey } from '../../src/tlog/vkey.js';
import { loadMlDsa44 } from '../../src/verify/ml-dsa.js';
import type { Store, StoredCheckpoint } from '../../src/server/index.js';
import { createWitnessClient } from '../../src/server/witness-client.js';
import { createWitness, memoryWitnessStore, witnessHandler } from '../../src/witness/index.js';
import { witnessKeys } from '../witness/helpers.js';
import { inProcess, setup, tilesOf } from './witness-client-support.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

async function serve(handler: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

describe('witness client: faults a review found', () => {
  test('each witness is sent the note as the log signed it, not with the cosignatures other witnesses added', async () => {
    const { log, store, handler, client } = await setup();
    const first = client('https://w1.test', { fetch: inProcess(handler) });
    first.submit();
    await first.idle();
    expect(store.current.note).toContain('— witness.example/w1 ');
    // A second witness, ML-DSA-44 too: its cosignature line alone is about 3.3 KB; sent on, the bodies would grow with each witness.
    const keys2 = await witnessKeys('witness.example/w2', { mlDsa: true });
    const handler2 = witnessHandler(createWitness({ cosigners: keys2.cosigners, logs: log.vkeys, store: memoryWitnessStore() }));
    const logSigned = store.current.note.split(/(?<=\n)/).filter((line) => !line.startsWith('— witness.example/')).join('');
    expect(logSigned).not.toBe(store.current.note);
    const bodies: string[] = [];
    const second = createWitnessClient({
      store: store as unknown as Store,
      witnesses: [{ url: 'https://w2.test', vkey: keys2.vkeys[1]! }],
      logVkeys: async () => log.vkeys,
      origin: log.origin,
      rootTiles: tilesOf(log),
      retry: { baseDelay: 1, maxDelay: 2, attempts: 1 },
      fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
        bodies.push(String(init?.body));
        return handler2(new Request(input, init));
      }) as typeof fetch,
    });
    second.submit();
    await second.idle();
    expect(second.status()[0]).toMatchObject({ last_cosigned_size: 8, last_error: null });
    expect(bodies).toEqual([`old 0\n\n${logSigned}`]);
    // Both cosignatures are kept in the stored note.
    expect(store.current.note).toContain('— witness.example/w1 ');
    expect(store.current.note).toContain('— witness.example/w2 ');
  });

  test('a cosignature stamped 0 is refused: tlog-witness says the timestamp MUST NOT be zero', async () => {
    const { log, store, errors } = await setup();
    const mlDsa = await loadMlDsa44();
    // Our witness refuses to stamp 0 (note-signers.ts); this one signs what it is sent, properly, at time 0.
    for (const pq of [false, true]) {
      const name = `witness.example/zero-${pq ? 'pq' : 'ed'}`;
      const keys = await witnessKeys(name, { mlDsa: pq });
      const [key, vkey] = [keys.keys.at(-1)!, keys.vkeys.at(-1)!];
      const stampsZero = (async (_input: RequestInfo | URL, init?: RequestInit) => {
        const note = String(init!.body).split('\n\n').slice(1).join('\n\n');
        const text = note.slice(0, note.indexOf('\n\n') + 1);
        const body = parseCheckpoint(text);
        const signature = pq
          ? mlDsa.sign(subtreeV1Message({ cosigner: name, timestamp: 0, origin: body.origin, start: 0, end: body.size, hash: body.root }), mlDsa.keygen(key.seed).secretKey)
          : ed25519.sign(cosignatureV1Message(text, 0), key.seed);
        const id = parseVkey(vkey).keyId;
        const line = Uint8Array.of(id >>> 24, (id >>> 16) & 255, (id >>> 8) & 255, id & 255, ...formatTimestampedSignature(0, signature));
        return new Response(`— ${name} ${b64Encode(line)}\n`);
      }) as typeof fetch;
      const c = createWitnessClient({
        store: store as unknown as Store, witnesses: [{ url: 'https://zero.test', vkey }], logVkeys: async () => log.vkeys, origin: log.origin,
        rootTiles: tilesOf(log), retry: { baseDelay: 1, maxDelay: 2, attempts: 1 }, fetch: stampsZero, onError: (e) => errors.push((e as Error).message),
      });
      c.submit();
      await c.idle();
      expect(errors.pop()).toBe(`witness ${name} answered a cosignature with timestamp 0, which tlog-witness forbids`);
      expect(c.status()[0]).toMatchObject({ last_cosigned_size: null });
      expect(store.current.note).not.toContain('— witness.example/zero');
    }
  });

  test('a witness vkey that is no cosignature key (a log key) is refused at start, naming it', async () => {
    const { log, client } = await setup();
    expect(() => client('https://w.test', {}).status()).not.toThrow();
    expect(() =>
      createWitnessClient({
        store: {} as Store, witnesses: [{ url: 'https://w.test', vkey: log.vkeys[0]! }], logVkeys: async () => log.vkeys, origin: log.origin, rootTiles: tilesOf(log),
      }),
    ).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'witnesses[0].vkey', message: expect.stringMatching(/^witnesses\[0\]\.vkey: witness key type 0x0[12] is not a cosignature type/) }));
  });

  test('a witness-size read that fails once is read again at the next try, and the failure is shown', async () => {
    const { store, wstore, handler, errors, client } = await setup();
    store.failSizes = 1;
    const c = client('https://witness.test', { fetch: inProcess(handler) });
    c.submit();
    await c.idle();
    // The first try failed on the store; the second read it again and the witness cosigned.
    expect(errors).toEqual(['the database is restarting']);
    expect((await wstore.latest('log.example/review'))?.size).toBe(8);
    expect(c.status()[0]).toMatchObject({ last_cosigned_size: 8, last_error: null });
    expect(store.current.note).toContain('— witness.example/w1 ');
  });

  test('a failed read shows in status() as last_error while it lasts', async () => {
    const { store, handler, client } = await setup();
    store.failSizes = 2; // both tries of the run
    const c = client('https://witness.test', { fetch: inProcess(handler) });
    c.submit();
    await c.idle();
    expect(c.status()[0]).toMatchObject({ last_cosigned_size: null, last_error: 'the database is restarting' });
    c.submit(); // the next seal: the store is back
    await c.idle();
    expect(c.status()[0]).toMatchObject({ last_cosigned_size: 8, last_error: null });
  });

  test('a witness that sends headers and never ends its body: each try gives up after `timeout`, and the loop ends', async () => {
    const { errors, client } = await setup();
    let requests = 0;
    const url = await serve((req, res) => {
      requests++;
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write(' '); // and nothing more
    });
    const c = client(url, { timeout: 100 });
    c.submit();
    await c.idle();
    expect(requests).toBe(2);
    expect(errors).toEqual([expect.stringContaining('did not answer within 100 ms'), expect.stringContaining('did not answer within 100 ms')]);
    expect(c.status()[0]!.last_error).toContain('did not answer within 100 ms');
  });

  test('a witness answering more than 64 KiB: refused without holding it', async () => {
    const { errors, client } = await setup();
    const url = await serve((req, res) => {
      req.resume();
      res.writeHead(500, { 'content-type': 'text/plain' });
      const chunk = 'A'.repeat(16 * 1024);
      let sent = 0;
      const more = () => {
        // Chunked, no content-length: the limit is found while reading. Bounded: 4 MiB at most.
        while (sent < 256 && res.write(chunk)) sent++;
        if (sent < 256) res.once('drain', more);
        else res.end();
      };
      res.on('close', () => (sent = 256));
      more();
    });
    const c = client(url);
    c.submit();
    await c.idle();
    expect(errors).toHaveLength(2);
    expect(errors[0]).toBe('witness witness.example/w1 answered 500 with more than 65536 bytes');
  });

  test.each(Array.from({ length: 8 }, (_, depth) => depth))(
    'a seal whose submit() lands %i microtasks after the last cosignature is kept is still sent',
    async (depth) => {
      const { log, store, wstore, handler, client } = await setup(8);
      const c = client('https://witness.test', { fetch: inProcess(handler) });
      const note16 = await log.checkpoint(16);
      const put = store.putWitnessSize;
      let submitted: Promise<void> | undefined;
      store.putWitnessSize = async (name, size) => {
        await put(name, size);
        if (submitted) return;
        let p = Promise.resolve();
        for (let i = 0; i < depth; i++) p = p.then(() => {});
        submitted = p.then(() => {
          store.current = { seq: 1, tree_size: 16, note: note16 } as StoredCheckpoint;
          c.submit();
        });
      };
      c.submit();
      await c.idle();
      await submitted;
      await c.idle();
      expect((await wstore.latest(log.origin))?.size).toBe(16);
      expect(c.status()[0]).toMatchObject({ last_cosigned_size: 16, last_error: null });
    },
  );

  test('a witness down for more tries than the backoff doubles keeps being retried until it cosigns (§4.5)', async () => {
    const { wstore, handler, errors, log, client } = await setup();
    let down = 12; // more than the 8 tries the client used to stop after, until the next seal a period later
    const flaky = ((input: RequestInfo | URL, init?: RequestInit) =>
      down-- > 0 ? Promise.resolve(new Response('restarting', { status: 503 })) : handler(new Request(input, init))) as typeof fetch;
    const c = client('https://witness.test', { fetch: flaky, retry: { baseDelay: 1, maxDelay: 2 } }); // attempts: the default
    c.submit();
    await c.idle();
    expect(errors).toHaveLength(12);
    expect((await wstore.latest(log.origin))?.size).toBe(8);
    expect(c.status()[0]).toMatchObject({ last_cosigned_size: 8, last_error: null });
  });
});
