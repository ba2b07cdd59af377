import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditCommand } from '../../src/cli/audit.js';
import { historyCommand } from '../../src/cli/history.js';
import { verifyCommand } from '../../src/cli/verify.js';
import { clock, event, KEYS, start, type Running } from '../server/helpers.js';
import { fakeIO } from './fake-io.js';

// The whole loop against the real reference server (real HTTP on 127.0.0.1, a
// real SQLite file): ingest, seal, then audit what GET /export, /checkpoints and
// /head answer, and verify what GET /evidence answers.
const dir = mkdtempSync(join(tmpdir(), 'aegislog-audit-server-'));
const save = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const time = clock(Date.UTC(2026, 10, 28, 9, 0, 0));
let server: Running;
let key: string;
let checkpointsFile: string;
let periodStart: string;
const ids: string[] = [];

beforeAll(async () => {
  server = await start({ now: time.now, period: 3600 });
  for (let batch = 0; batch < 3; batch++) {
    const events = Array.from({ length: 50 }, () => event());
    ids.push(...events.map((e) => e.event_id as string));
    const res = await server.call('/ingest/batch', { key: KEYS.ingest, json: { events } });
    expect(res.status).toBe(200);
    time.advance(1000);
  }
  await server.call('/ingest', { key: KEYS.otherRead, json: event({ tenant_id: 'other' }) });
  time.advance(3600_000); // the period ends; the server seals it on the next request
  expect((await server.call('/admin/seal', { key: KEYS.admin, method: 'POST' })).status).toBe(200);
  // The test pins the key it got from the server; an auditor would get it out of band.
  key = save('key.json', await (await server.call('/.well-known/aegislog/keys.json')).text());
  const answer = await (await server.call('/checkpoints')).text();
  checkpointsFile = save('checkpoints.json', answer);
  periodStart = (JSON.parse(answer) as { checkpoints: { period_start: string }[] }).checkpoints[0]!.period_start;
});
afterAll(async () => {
  try {
    await server?.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('audit, verify and history of what the reference server serves (protocol v2)', () => {
  it("audits acme's export of the sealed period: its header proves itself under the pinned key", async () => {
    const exported = await (await server.call(`/export?tenant_id=acme&period_start=${periodStart}&events=true`)).text();
    const io = fakeIO();
    const code = await auditCommand.run(['--key', key, '--signatures', save('acme.ndjson', exported)], io);
    expect(io.stderr).toEqual([]);
    expect(io.stdout.join('\n')).toMatch(/150 receipts/);
    expect(code).toBe(0);

    // One receipt dropped from the file: the audit fails, exit 1.
    const lines = exported.trimEnd().split('\n');
    const cut = fakeIO();
    expect(await auditCommand.run(['--key', key, save('cut.ndjson', [...lines.slice(0, 40), ...lines.slice(41)].join('\n'))], cut)).toBe(1);
  });

  it('verifies a sealed bundle from GET /evidence under the pinned key', async () => {
    const bundle = await (await server.call(`/evidence/${ids[77]}?tenant_id=acme`)).text();
    const io = fakeIO();
    const code = await verifyCommand.run([save('bundle.json', bundle), '--key', key], io);
    expect(io.stdout.at(-1)).toMatch(/^✓ sealed evidence acme\/\S+: all 6 checks passed/);
    expect(code).toBe(0);
  });

  it('checks the history of GET /checkpoints: every note signed, each pair consistent', async () => {
    const io = fakeIO();
    const code = await historyCommand.run(['--key', key, checkpointsFile], io);
    expect(io.stderr).toEqual([]);
    expect(code).toBe(0);
  });
});
