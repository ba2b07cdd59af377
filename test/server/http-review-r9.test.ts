// Round 9 review of the server's HTTP layer: each test shows a fault found, failing before its mend.
// Real HTTP on 127.0.0.1, a real SQLite store (helpers.ts).
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createServer, listen, localSigner, sqliteStore } from '../../src/server/node.js';
import { KEYS, KEY_CONFIG, ORIGIN, clock, event, tempDir, withServer } from './helpers.js';

describe('POST /beacon', () => {
  test('an admin key in a beacon body is refused as "an admin key", as every other refusal words it', async () => {
    await withServer({}, async (s) => {
      const response = await s.call('/beacon', { key: null, method: 'POST', body: JSON.stringify({ key: KEYS.admin, events: [event()] }), headers: { 'content-type': 'text/plain' } });
      const { error } = (await response.json()) as { error: { code: string; message: string; field?: string } };
      expect({ status: response.status, code: error.code, field: error.field }).toEqual({ status: 403, code: 'forbidden', field: 'key' });
      expect(error.message).toMatch(/^an admin key is a secret/);
    });
  });
});

describe('per-key rate limit', () => {
  test('the bytes of a body count: a 3 MiB event (read, parsed, validated, refused: some 50 ms) is not two units', async () => {
    // The clock stands still: only what the key spent moves its bucket.
    const time = clock();
    await withServer({ now: time.now, limits: { keyRatePerSecond: 10, keyRateBurst: 100 } }, async (s) => {
      const big = JSON.stringify({ event_type: 'x', prompt: 'a'.repeat(3 * 1024 * 1024) });
      const refused = await s.call('/ingest', { key: KEYS.ingest, method: 'POST', body: big, headers: { 'content-type': 'application/json' } });
      expect(refused.status).toBe(413);
      // 3 MiB is far more than the 100 units of the burst: the key's next request waits.
      const next = await s.call('/ingest', { key: KEYS.ingest, json: event() });
      expect(next.status).toBe(429);
      expect(next.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
      // Another key keeps its own bucket.
      expect((await s.call('/ingest', { key: KEYS.read, json: event() })).status).toBe(200);
      // A batch's body counts the same: one event of 1 MB, taken, is some 60 units, not two.
      const batch = JSON.stringify({ events: [event({ prompt: 'a'.repeat(1000 * 1000) })] });
      expect((await s.call('/ingest/batch', { key: KEYS.read, method: 'POST', body: batch, headers: { 'content-type': 'application/json' } })).status).toBe(200);
      expect((await s.call('/ingest/batch', { key: KEYS.read, method: 'POST', body: batch, headers: { 'content-type': 'application/json' } })).status).toBe(200);
      expect((await s.call('/ingest', { key: KEYS.read, json: event() })).status).toBe(429);
    });
  });

  test('an export with events=true counts their bytes: three events of 1 MB are not three eighths of a unit', async () => {
    const time = clock();
    await withServer({ now: time.now, limits: { keyRatePerSecond: 10, keyRateBurst: 100 } }, async (s) => {
      // Logged with the ingest key (a bucket of its own, not the read key's), its bucket refilled before each.
      for (const fill of 'abc') {
        time.advance(20_000);
        const body = JSON.stringify({ events: [event({ prompt: fill.repeat(1000 * 1000) })] });
        expect((await s.call('/ingest/batch', { key: KEYS.ingest, method: 'POST', body, headers: { 'content-type': 'application/json' } })).status).toBe(200);
      }
      // One page (at most 4 Mi characters of events): the stream ends without waiting out any debt.
      const exported = await s.call('/export?events=true');
      expect(exported.status).toBe(200);
      expect((await exported.text()).trim().split('\n')).toHaveLength(4);
      // 3 MB of events read, serialised and sent: past the read key's 100 units, its next request waits.
      const next = await s.call('/export');
      expect(next.status).toBe(429);
    });
  });
});

describe('createServer options', () => {
  test('a store or signer not awaited (a promise), or missing, is ERR_CONFIG naming it, not a TypeError at the first request', async () => {
    const { dir } = await tempDir();
    const pendingStore = sqliteStore(join(dir, 'aegislog.db'));
    const signer = await localSigner();
    const store = await pendingStore;
    try {
      const base = { keys: KEY_CONFIG, origin: ORIGIN, signer, store, onError: () => {} };
      for (const [field, value] of [['store', pendingStore], ['store', undefined], ['signer', localSigner()], ['signer', undefined]] as const) {
        expect(() => createServer({ ...base, [field]: value } as never), field).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field }));
      }
      // A hash or an error sink that is no function: refused as now and monotonicNow are, not a TypeError or silence.
      for (const field of ['sha256', 'onError']) {
        expect(() => createServer({ ...base, [field]: 'node:crypto' } as never), field).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field }));
      }
    } finally {
      await store.close();
    }
  });
});

describe('the Node adapter', () => {
  test('a malformed request pipelined behind an export being sent closes the connection; no status line is written into the export', async () => {
    // A frozen clock and a burst of 5 units: the export's first page (500 lines) leaves the key in debt, and the
    // stream waits before its second page for as long as the test runs.
    await withServer({ now: clock().now, limits: { keyRatePerSecond: 1, keyRateBurst: 5 } }, async (s) => {
      for (const [key, n] of [[KEYS.ingest, 500], [KEYS.admin, 1]] as const) {
        expect((await s.call('/ingest/batch', { key, json: { events: Array.from({ length: n }, () => event()) } })).status).toBe(200);
      }
      const { hostname, port } = new URL(s.url);
      const socket = connect({ host: hostname, port: Number(port) });
      socket.on('error', () => {});
      let text = '';
      let pageIn!: () => void;
      const firstPage = new Promise<void>((resolve) => (pageIn = resolve));
      const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      socket.on('data', (data: Buffer) => {
        text += data.toString('latin1');
        // The answer's head, the export's header line and 500 receipts.
        if ((text.match(/\n/g) ?? []).length > 510) pageIn();
      });
      socket.write(`GET /export HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: ${KEYS.read}\r\n\r\n`);
      await firstPage;
      socket.write('NOT A REQUEST LINE\r\n\r\n');
      await closed;
      // One answer on the connection: an error's status line inside a chunked body breaks HTTP/1.1's framing
      // (Node's own handler writes none while an answer is under way, to avoid corrupting the peer).
      expect(text.match(/HTTP\/1\.1 \d{3}/g)).toEqual(['HTTP/1.1 200']);
    });
  });
});

describe('the Node adapter, pipelining', () => {
  test('a malformed request pipelined behind one still being answered gets no answer that reads as the first one\'s', async () => {
    // The anonymous budget in debt under a frozen clock: a /checkpoints page waits its turn for as long as the test runs.
    await withServer({ now: clock().now, limits: { keyRatePerSecond: 1, keyRateBurst: 1 } }, async (s) => {
      expect((await s.call('/checkpoints', { key: null })).status).toBe(200);
      const { hostname, port } = new URL(s.url);
      const socket = connect({ host: hostname, port: Number(port) });
      socket.on('error', () => {});
      let text = '';
      socket.on('data', (data: Buffer) => (text += data.toString('latin1')));
      const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      // Both in one write: Node parses the first (which waits), then fails on the second.
      socket.write('GET /checkpoints HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nNOT A REQUEST LINE\r\n\r\n');
      await closed;
      // A 400 written now would be the first answer on the connection: the client reads it as /checkpoints' own.
      expect(text).not.toMatch(/^HTTP\/1\.1 400/);
    });
  });
});

describe('listen options', () => {
  test('a static prefix that is no /path/ or a host that is no string is ERR_CONFIG naming it, before anything listens', async () => {
    const { dir } = await tempDir();
    const handler = async () => new Response('ok');
    const cases: [Record<string, unknown>, string][] = [
      // '/demo' served nothing (every file a 404: /demo/x.html was looked up as /x.html); 'demo/' matched no path at all.
      [{ staticFiles: { prefix: '/demo', dir } }, 'staticFiles.prefix'],
      [{ staticFiles: { prefix: 'demo/', dir } }, 'staticFiles.prefix'],
      [{ staticFiles: { prefix: '/demo/' } }, 'staticFiles.dir'],
      [{ staticFiles: '/demo/' }, 'staticFiles'],
      // A TypeError once the server was listening: a port held with no handle to close it.
      [{ host: 8787 }, 'host'],
    ];
    for (const [options, field] of cases) {
      const started = listen(handler, { port: 0, ...options } as never);
      await expect(started, field).rejects.toMatchObject({ code: 'ERR_CONFIG', field });
      await started.then((http) => http.close(), () => undefined);
    }
  });
});

describe('another tenant', () => {
  test('a read route refuses another tenant\'s tenant_id in the words ingest does', async () => {
    await withServer({}, async (s) => {
      const refusal = async (response: Response) => ({ status: response.status, ...((await response.json()) as { error: Record<string, string> }).error });
      const ingest = await refusal(await s.call('/ingest', { key: KEYS.read, json: event({ tenant_id: 'other' }) }));
      expect(ingest).toEqual({ status: 403, code: 'forbidden', field: 'tenant_id', message: "tenant_id other is not this key's tenant" });
      for (const path of ['/verify/e1?tenant_id=other', '/evidence/e1?tenant_id=other', '/export?tenant_id=other', '/logs/other/heads', '/logs/other/tile/0/000']) {
        expect(await refusal(await s.call(path)), path).toEqual(ingest);
      }
    });
  });
});
