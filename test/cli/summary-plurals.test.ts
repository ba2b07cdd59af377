// The commands' summary lines said "1 bundles", "1 lines are not receipts", "1 lines refused", "1 numbers repeated":
// a count of one now takes the singular, as "1 receipt" and "1 tenant tree" already did.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditCommand } from '../../src/cli/audit.js';
import { verifyCommand } from '../../src/cli/verify.js';
import { b64uEncode, eventDigest } from '../../src/protocol/index.js';
import { fakeIO } from './fake-io.js';
import { makeSignedLog, type SignedLog } from './signed-log.js';

const V = join(import.meta.dirname, '../vectors/aegislog-v2');
const dir = mkdtempSync(join(tmpdir(), 'aegislog-plurals-'));
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(command: typeof auditCommand, args: string[]) {
  const io = fakeIO();
  const code = await command.run(args, io);
  return { code, out: io.stdout };
}

describe('summary lines with a count of one', () => {
  it('verify of an array of one bundle: "1 bundle"', async () => {
    const bundle = JSON.parse(readFileSync(join(V, 'bundles/acme-bank-p4-leaf256.json'), 'utf8'));
    const { code, out } = await run(verifyCommand, [file('one.json', JSON.stringify([bundle])), '--policy', join(V, 'policy-2of2.txt'), '--now', '2026-12-31T00:00:00.000Z']);
    expect(code).toBe(0);
    expect(out.at(-1)).toBe('1 bundle: 1 passed, 0 failed');
  });

  describe('a version-1 audit with one line that is not a receipt', () => {
    let log: SignedLog;
    beforeAll(async () => {
      const P0 = Date.UTC(2026, 10, 1);
      log = await makeSignedLog([{ start: P0, end: P0 + 86_400_000, tenants: { acme: 2 } }]);
    });

    it('"1 line is not a receipt"', async () => {
      const lines = log.periods[0]!.receipts.get('acme')!.map((r) => JSON.stringify(r.receipt));
      const exp = file('v1.ndjson', `${lines[0]}\n{oops\n${lines[1]}\n`);
      const { code, out } = await run(auditCommand, ['--export', exp, '--checkpoints', file('cps.json', JSON.stringify({ checkpoints: log.checkpoints })), '--key', file('key.pem', log.key.publicPem)]);
      expect(code).toBe(1);
      expect(out).toContain('✗ 1 line is not a receipt');
    });
  });

  it('--gaps: "1 number missing", "1 number repeated", "1 line refused"', async () => {
    const event = (seq: number, id = `e${seq}`) => ({ tenant_id: 'acme', event_type: 'x', event_id: id, trace_id: id, client_id: 'c', client_seq: seq });
    const line = (e: ReturnType<typeof event>, leaf: number) =>
      JSON.stringify({ v: 1, tenant_id: 'acme', event_id: e.event_id, trace_id: e.trace_id, digest_b64url: b64uEncode(eventDigest(e)), leaf_index: leaf, event: e });
    const header = JSON.stringify({ v: 2, kind: 'aegislog-export', origin: 'log.example', tenant_head: null });
    const body = [header, line(event(1), 0), line(event(3), 1), line(event(3, 'again'), 2), '{oops'].join('\n');
    const { code, out } = await run(auditCommand, ['--gaps', file('gaps.ndjson', `${body}\n`)]);
    expect(code).toBe(1);
    expect(out.at(-1)).toBe('FAIL: 1 number missing that no aegislog.dropped event accounts for; 1 number repeated; 1 line refused');
  });
});
