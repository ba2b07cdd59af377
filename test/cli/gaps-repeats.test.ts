// `aegislog audit --gaps` on an export whose sender numbered every event alike: the counter lists a client's first
// repeats only, and the command still says how many there are.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditCommand } from '../../src/cli/audit.js';
import { b64uEncode, eventDigest } from '../../src/protocol/index.js';
import { fakeIO } from './fake-io.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aegislog-gaps-repeats-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const EVENTS = 150;

describe('aegislog audit --gaps and one number repeated on every event', () => {
  it('counts every repeat, in text and in --json', async () => {
    const header = JSON.stringify({ v: 2, kind: 'aegislog-export', origin: 'log.example', tenant_head: null });
    const lines = Array.from({ length: EVENTS }, (_, i) => {
      const event = { tenant_id: 'acme', event_type: 'x', event_id: `e${i}`, trace_id: `e${i}`, client_id: 'c', client_seq: 1 };
      return JSON.stringify({ v: 1, tenant_id: 'acme', event_id: event.event_id, trace_id: event.trace_id, digest_b64url: b64uEncode(eventDigest(event)), leaf_index: i, event });
    });
    const path = join(dir, 'same.ndjson');
    await writeFile(path, [header, ...lines].join('\n') + '\n');
    const text = fakeIO();
    expect(await auditCommand.run(['--gaps', path], text)).toBe(1);
    expect(text.stdout.join('\n')).toContain(`, … (${EVENTS - 1} in all)`);
    expect(text.stdout.at(-1)).toBe(`FAIL: ${EVENTS - 1} numbers repeated`);
    const json = fakeIO();
    expect(await auditCommand.run(['--gaps', path, '--json'], json)).toBe(1);
    const [client] = JSON.parse(json.stdout[0]!).clients;
    expect(client.duplicateCount).toBe(EVENTS - 1);
    expect(client.duplicates).toHaveLength(100);
  });
});

describe('aegislog audit --gaps and more drop reports than the counter lists', () => {
  // The counter lists a client's first 100 drop reports and notes and counts them all (droppedCount, noteCount):
  // the command printed the lists only, so 150 malformed reports read as 100.
  it('says how many more drop reports and notes there are', async () => {
    const header = JSON.stringify({ v: 2, kind: 'aegislog-export', origin: 'log.example', tenant_head: null });
    const lines = Array.from({ length: EVENTS }, (_, i) => {
      const event = { tenant_id: 'acme', event_type: 'aegislog.dropped', event_id: `d${i}`, trace_id: `d${i}`, client_id: 'c', client_seq: i + 1, count: 0, first_seq: 1, last_seq: 1 };
      return JSON.stringify({ v: 1, tenant_id: 'acme', event_id: event.event_id, trace_id: event.trace_id, digest_b64url: b64uEncode(eventDigest(event)), leaf_index: i, event });
    });
    const path = join(dir, 'drops.ndjson');
    await writeFile(path, [header, ...lines].join('\n') + '\n');
    const text = fakeIO();
    expect(await auditCommand.run(['--gaps', path], text)).toBe(1);
    const out = text.stdout.join('\n');
    expect(out.match(/is malformed/g)).toHaveLength(100);
    expect(out).toContain(`  … ${EVENTS - 100} more notes (${EVENTS} in all)`);
  });
});
