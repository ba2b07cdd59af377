// `aegislog audit --gaps` on an export fetched without events=true: every line is refused. The counter lists the
// first refused lines only (its memory grows with clients and gaps, not lines), and the command still says how
// many there are, in text and in --json.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditCommand } from '../../src/cli/audit.js';
import { fakeIO } from './fake-io.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aegislog-gaps-no-events-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const LINES = 250;

async function gaps(...args: string[]) {
  const path = join(dir, 'plain.ndjson');
  const header = JSON.stringify({ v: 2, kind: 'aegislog-export', origin: 'log.example', tenant_head: null });
  const body = Array.from({ length: LINES }, (_, i) => JSON.stringify({ v: 1, tenant_id: 'acme', event_id: `e${i}`, digest_b64url: 'x', leaf_index: i }));
  await writeFile(path, [header, ...body].join('\n') + '\n');
  const io = fakeIO();
  const code = await auditCommand.run(['--gaps', path, ...args], io);
  return { code, io };
}

describe('aegislog audit --gaps on an export without events', () => {
  it('counts every refused line in its text', async () => {
    const { code, io } = await gaps();
    expect(code).toBe(1);
    const text = io.stdout.join('\n');
    expect(text).toContain(`… ${LINES - 20} more lines refused`);
    expect(text).toContain(`FAIL: ${LINES} lines refused`);
  });

  it('counts every refused line in --json, and lists the first 100', async () => {
    const { code, io } = await gaps('--json');
    expect(code).toBe(1);
    const report = JSON.parse(io.stdout[0]!);
    expect(report.refusedCount).toBe(LINES);
    expect(report.refused).toHaveLength(100);
    expect(report.refused[0]).toMatchObject({ line: 2, reason: 'no event: fetch the export with events=true' });
  });
});
