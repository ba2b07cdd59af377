// `aegislog audit --gaps`: the client records (with drops) into the reference server (in-process);
// each stored event and its receipt, as the server answers /evidence for it, make the lines of a v2
// period export with events=true (PROTOCOL.md §6.2). A complete export has no gap; one with a line
// removed has exactly that gap; a tampered line is refused.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditCommand } from '../../src/cli/audit.js';
import { AegisLog, memoryQueue } from '../../src/index.js';
import { INGEST_KEY, READ_KEY, TENANT, inProcessServer } from '../client/helpers.js';
import { fakeIO } from './fake-io.js';

const ENDPOINT = 'https://aegislog.test';
let dir: string;
/** Export lines of every stored event, in the order the server stored them. */
let lines: string[];
let dropped: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aegislog-gaps-'));
  const srv = await inProcessServer();
  const receipts: { event_id: string }[] = [];
  const log = new AegisLog({
    endpoint: ENDPOINT, tenantId: TENANT, apiKey: INGEST_KEY, queue: memoryQueue(), fetch: srv.fetch, flushInterval: 0, batchSize: 1e9,
    maxQueueSize: 20, onReceipt: (r) => receipts.push(r), onError: () => {},
  });
  // Three rounds of 30 records into a queue of 20: 10 dropped each round, told once there is room.
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 30; i++) log.record('model_inference', { round, i });
    await log.durable();
    await log.flush();
  }
  await log.close();
  dropped = log.stats().dropped;
  lines = [];
  for (const [i, { event_id }] of receipts.entries()) {
    const response = await srv.fetch(`${ENDPOINT}/evidence/${event_id}?tenant_id=${TENANT}`, { headers: { 'x-api-key': READ_KEY } });
    const { event, receipt } = await response.json();
    lines.push(JSON.stringify({ ...receipt, leaf_index: i, event }));
  }
});

afterAll(() => rm(dir, { recursive: true, force: true }));

const header = (period: string) => JSON.stringify({ v: 2, kind: 'aegislog-export', origin: 'log.test', tenant_head: { tenant_id: TENANT, period_start: period } });

async function exportFile(name: string, body: string[], period = '2026-12-01T00:00:00.000Z'): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `${[header(period), ...body].join('\n')}\n`);
  return path;
}

async function gaps(...args: string[]) {
  const io = fakeIO();
  const code = await auditCommand.run(['--gaps', ...args], io);
  return { code, io, text: io.text() };
}

describe('aegislog audit --gaps', () => {
  it('finds no unaccounted gap in a complete export: the drops are all told by aegislog.dropped events', async () => {
    expect(dropped).toBeGreaterThanOrEqual(30);
    expect(lines.length).toBe(90 - dropped + 3); // what was kept, and one account of the drops per round
    const { code, text } = await gaps(await exportFile('complete.ndjson', lines));
    expect(text).toContain(`${lines.length} events in 1 export: ${lines.length} numbered by 1 client, 0 without numbers`);
    expect(text).toContain(`${dropped} missing`);
    expect(text).toContain(`accounted for: ${dropped}; UNACCOUNTED: 0`);
    expect(text).toContain('OK: every missing number is accounted for');
    expect(code).toBe(0);
  });

  it('finds exactly the gap of a line taken out, across two exports (two periods)', async () => {
    const removed = lines[7]!;
    const seq = JSON.parse(removed).event.client_seq as number;
    const first = await exportFile('first.ndjson', lines.slice(0, 7), '2026-12-01T00:00:00.000Z');
    const second = await exportFile('second.ndjson', lines.slice(8), '2026-12-02T00:00:00.000Z');
    const { code, io } = await gaps(first, second, '--json');
    expect(code).toBe(1);
    const report = JSON.parse(io.stdout[0]!);
    const [client] = report.clients;
    expect(report.events).toBe(lines.length - 1);
    expect(client.unaccounted).toBe(1);
    expect(client.missingCount).toBe(dropped + 1);
    // The one gap no drop report covers is the removed line's number.
    const told = client.dropped.map((d: { firstSeq: number; lastSeq: number }) => [d.firstSeq, d.lastSeq]);
    const uncovered = client.missing.filter(([lo, hi]: [number, number]) => !told.some(([a, b]: [number, number]) => lo >= a && hi <= b));
    expect(uncovered).toEqual([[seq, seq]]);
    expect(client.highest).toBe(90 + 3); // every record took a number, dropped or not, and so did the three accounts
  });

  it('refuses a line whose event no longer matches its receipt, and fails', async () => {
    const tampered = JSON.parse(lines[3]!);
    tampered.event.round = 99;
    const body = [...lines];
    body[3] = JSON.stringify(tampered);
    const { code, text } = await gaps(await exportFile('tampered.ndjson', body));
    expect(code).toBe(1);
    expect(text).toMatch(/refused .*tampered\.ndjson:5: the event of .* does not hash to its receipt's digest_b64url/);
    expect(text).toContain('1 lines refused');
  });

  it('will not count one export twice, and needs at least one file', async () => {
    const file = await exportFile('twice.ndjson', lines);
    const twice = await gaps(file, file);
    expect(twice.code).toBe(2);
    expect(twice.io.stderr.join('\n')).toMatch(/are the same export/);
    expect((await gaps()).code).toBe(2);
  });
});
