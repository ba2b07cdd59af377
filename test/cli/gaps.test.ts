// `aegislog audit --gaps` over the reference server's own v2 period exports with events=true
// (PROTOCOL.md §6.2): the client records, with drops, into the server (in-process); a first period is
// sealed, two more rounds go to the open one. Both exports together have no unaccounted gap; one with
// a line removed has exactly that gap; a tampered line is refused.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { auditCommand } from '../../src/cli/audit.js';
import { AegisLog, memoryQueue } from '../../src/index.js';
import { createServer, localSigner, memoryStore } from '../../src/server/index.js';
import { fakeIO } from './fake-io.js';

const ENDPOINT = 'https://aegislog.test';
const TENANT = 'acme';
const KEYS = { ingest: 'ingest-key-gaps-tests-000001', read: 'read-key-gaps-tests-0000001', admin: 'admin-key-gaps-tests-000001' };
let dir: string;
let dropped: number;
/** The sealed period's export and the open period's, as the server wrote them (header first). */
let sealed: string[];
let open: string[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aegislog-gaps-'));
  const server = createServer({
    signer: await localSigner(),
    store: memoryStore(),
    origin: 'gaps.test/log',
    keys: [
      { key: KEYS.ingest, tenant_id: TENANT, scope: 'ingest' },
      { key: KEYS.read, tenant_id: TENANT, scope: 'read' },
      { key: KEYS.admin, tenant_id: '*', scope: 'admin' },
    ],
    onError: (e) => console.error('server error', e),
  });
  await server.ready;
  const call = (path: string, key: string, init: RequestInit = {}) => server(new Request(`${ENDPOINT}${path}`, { ...init, headers: { 'x-api-key': key, ...init.headers } }));
  const log = new AegisLog({
    endpoint: ENDPOINT, tenantId: TENANT, apiKey: KEYS.ingest, queue: memoryQueue(), fetch: (url, init) => server(new Request(url, init)),
    flushInterval: 0, batchSize: 1e9, maxQueueSize: 20, onError: () => {},
  });
  // Three rounds of 30 records into a queue of 20: drops each round, told once there is room.
  const round = async (n: number) => {
    for (let i = 0; i < 30; i++) log.record('model_inference', { round: n, i });
    await log.durable();
    await log.flush();
  };
  await round(0);
  const seal = await (await call('/admin/seal', KEYS.admin, { method: 'POST' })).json();
  const periodStart = seal.sealed.find((c: { period_start?: string }) => c.period_start)?.period_start ?? seal.latest?.period_start;
  await round(1);
  await round(2);
  await log.close();
  dropped = log.stats().dropped;
  const lines = async (query: string) => (await (await call(`/export?tenant_id=${TENANT}&events=true${query}`, KEYS.read)).text()).split('\n').filter(Boolean);
  sealed = await lines(`&period_start=${encodeURIComponent(periodStart)}`);
  open = await lines('');
});

afterAll(() => rm(dir, { recursive: true, force: true }));

async function exportFile(name: string, body: string[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `${body.join('\n')}\n`);
  return path;
}

async function gaps(...args: string[]) {
  const io = fakeIO();
  const code = await auditCommand.run(['--gaps', ...args], io);
  return { code, io, text: io.text() };
}

describe('aegislog audit --gaps', () => {
  it('finds no unaccounted gap in the exports of every period: the drops are all told by aegislog.dropped events', async () => {
    expect(JSON.parse(sealed[0]!)).toMatchObject({ v: 2, kind: 'aegislog-export' });
    expect(JSON.parse(sealed[0]!).tenant_head).not.toBeNull();
    expect(JSON.parse(open[0]!).tenant_head).toBeNull();
    const events = sealed.length + open.length - 2;
    expect(dropped).toBeGreaterThanOrEqual(30);
    expect(events).toBe(90 - dropped + 3); // what was kept, and one account of the drops per round
    const { code, text } = await gaps(await exportFile('sealed.ndjson', sealed), await exportFile('open.ndjson', open));
    expect(text).toContain(`${events} events in 2 exports: ${events} numbered by 1 client, 0 without numbers`);
    expect(text).toContain(`${dropped} missing`);
    expect(text).toContain(`accounted for: ${dropped}; UNACCOUNTED: 0`);
    expect(text).toContain('OK: every missing number is accounted for');
    expect(code).toBe(0);
  });

  it('sees only part of the loss in one period: the other period\'s numbers are missing, unaccounted', async () => {
    const { code, io } = await gaps(await exportFile('open-only.ndjson', open), '--json');
    expect(code).toBe(1);
    expect(JSON.parse(io.stdout[0]!).clients[0].unaccounted).toBeGreaterThan(0);
  });

  it('finds exactly the gap of a line taken out', async () => {
    const removed = open[5]!;
    const seq = JSON.parse(removed).event.client_seq as number;
    const { code, io } = await gaps(await exportFile('sealed-2.ndjson', sealed), await exportFile('holed.ndjson', open.filter((l) => l !== removed)), '--json');
    expect(code).toBe(1);
    const report = JSON.parse(io.stdout[0]!);
    const [client] = report.clients;
    expect(client.unaccounted).toBe(1);
    expect(client.missingCount).toBe(dropped + 1);
    // The one gap no drop report covers is the removed line's number.
    const told = client.dropped.map((d: { firstSeq: number; lastSeq: number }) => [d.firstSeq, d.lastSeq]);
    const uncovered = client.missing.filter(([lo, hi]: [number, number]) => !told.some(([a, b]: [number, number]) => lo >= a && hi <= b));
    expect(uncovered).toEqual([[seq, seq]]);
    expect(client.highest).toBe(90 + 3); // every record took a number, dropped or not, and so did the three accounts
  });

  it('refuses a line whose event no longer matches its receipt, and fails', async () => {
    const body = [...open];
    const tampered = JSON.parse(body[3]!);
    tampered.event.round = 99;
    body[3] = JSON.stringify(tampered);
    const { code, text } = await gaps(await exportFile('sealed-3.ndjson', sealed), await exportFile('tampered.ndjson', body));
    expect(code).toBe(1);
    expect(text).toMatch(/refused .*tampered\.ndjson:4: the event of .* does not hash to its receipt's digest_b64url/);
    expect(text).toContain('1 line refused');
  });

  it('will not count one export twice, and needs at least one file', async () => {
    const file = await exportFile('twice.ndjson', sealed);
    const twice = await gaps(file, file);
    expect(twice.code).toBe(2);
    expect(twice.io.stderr.join('\n')).toMatch(/twice\.ndjson is given twice \(gaps\.test\/log acme: entry 0\)/);
    expect((await gaps()).code).toBe(2);
  });

  it('will not count an open period twice either: two exports of it overlap from its first receipt', async () => {
    const first = await exportFile('open-a.ndjson', open.slice(0, -4)); // taken earlier: fewer receipts
    const later = await exportFile('open-b.ndjson', open);
    const both = await gaps(await exportFile('sealed-4.ndjson', sealed), first, later);
    expect(both.code).toBe(2);
    expect(both.io.stderr.join('\n')).toMatch(/open-b\.ndjson and .*open-a\.ndjson overlap \(gaps\.test\/log acme: entry \d+\)/);
  });

  it('will not count the period of a stale open-period export twice: taken before the seal, it overlaps the sealed export', async () => {
    // What GET /export without period_start answered before the seal: the open header, then the receipts now sealed.
    const stale = await exportFile('open-before-seal.ndjson', [open[0]!, ...sealed.slice(1)]);
    const sealedFile = await exportFile('sealed-6.ndjson', sealed);
    for (const files of [[sealedFile, stale], [stale, sealedFile]]) {
      const both = await gaps(...files, await exportFile('open-6.ndjson', open));
      expect(both.code).toBe(2);
      expect(both.io.stdout).toEqual([]);
      expect(both.io.stderr.join('\n')).toMatch(/overlap \(gaps\.test\/log acme: entry 0\)/);
    }
  });

  it('parses each line once: the overlap check and the counter share the value', async () => {
    // Both once parsed every line on their own (JSON.parse and the scan for a member given twice): a tenth of the command's time.
    const files = [await exportFile('once-sealed.ndjson', sealed), await exportFile('once-open.ndjson', open)];
    const lines = new Set([...sealed, ...open]);
    const parse = vi.spyOn(JSON, 'parse');
    try {
      const { code } = await gaps(...files);
      expect(code).toBe(0);
      const ofLines = parse.mock.calls.filter(([text]) => lines.has(text as string));
      expect(ofLines.length).toBe(sealed.length + open.length);
    } finally {
      parse.mockRestore();
    }
  });

  it('reads stdin for -, as the other commands do, and only once', async () => {
    const text = `${open.join('\n')}\n`;
    // Cut in pieces that split lines and characters: stdin comes in chunks of any size.
    const cuts = Readable.from([text.slice(0, 100), Buffer.from(text.slice(100, 2000)), text.slice(2000)]);
    const io = fakeIO({ stdin: cuts });
    const code = await auditCommand.run(['--gaps', await exportFile('sealed-10.ndjson', sealed), '-', '--json'], io);
    expect(io.stderr).toEqual([]);
    expect(code).toBe(0);
    expect(JSON.parse(io.stdout[0]!)).toMatchObject({ ok: true, events: sealed.length + open.length - 2 });
    // A line of stdin is named by "stdin"; stdin given twice would be read once, so it is refused.
    const tampered = fakeIO({ stdin: Readable.from([`${open[0]}\nnot json\n`]) });
    expect(await auditCommand.run(['--gaps', '-'], tampered)).toBe(1);
    expect(tampered.text()).toContain('refused stdin:2: not JSON');
    const twice = fakeIO({ stdin: Readable.from([text]) });
    expect(await auditCommand.run(['--gaps', '-', '-'], twice)).toBe(2);
    expect(twice.stderr.join('\n')).toMatch(/stdin \(-\) can be given once/);
  });

  it('an empty file is unusable input (exit 2), not a clean result', async () => {
    const empty = await exportFile('empty.ndjson', []);
    const { code, io } = await gaps(await exportFile('sealed-5.ndjson', sealed), empty);
    expect(code).toBe(2);
    expect(io.stderr.join('\n')).toMatch(/empty\.ndjson is empty/);
  });
});

// The check of overlapping inputs goes by entry (tenant log and leaf index), not by a file's first lines:
// an export that sits inside a concatenation, or whose first receipt is not on line 2, is still seen.
describe('aegislog audit --gaps: one entry counted once, wherever it sits in the files', () => {
  it('will not count the open period twice when one file holds the sealed and open exports concatenated', async () => {
    const all = await exportFile('concatenated.ndjson', [...sealed, ...open]);
    const again = await exportFile('open-7.ndjson', open);
    const { code, io } = await gaps(all, again);
    expect(code).toBe(2);
    expect(io.stdout).toEqual([]);
    expect(io.stderr.join('\n')).toMatch(/open-7\.ndjson and .*concatenated\.ndjson overlap \(gaps\.test\/log acme: entry \d+\)/);
  });

  it('will not count two exports of the open period twice when a blank line follows the header', async () => {
    const earlier = await exportFile('open-blank.ndjson', [open[0]!, '', ...open.slice(1, -4)]);
    const later = await exportFile('open-8.ndjson', open);
    const { code, io } = await gaps(await exportFile('sealed-8.ndjson', sealed), earlier, later);
    expect(code).toBe(2);
    expect(io.stderr.join('\n')).toMatch(/open-8\.ndjson and .*open-blank\.ndjson overlap/);
  });

  it('will not count a line repeated inside one file twice', async () => {
    const body = [...open.slice(0, 4), open[3]!, ...open.slice(4)];
    const { code, io } = await gaps(await exportFile('sealed-9.ndjson', sealed), await exportFile('repeated-line.ndjson', body));
    expect(code).toBe(2);
    expect(io.stderr.join('\n')).toMatch(/repeated-line\.ndjson holds entry \d+ of gaps\.test\/log acme twice/);
  });
});
