// Evidence is hostile input, and its strings reach the text reports: an event_id, a tenant_id,
// a history's unsigned period fields, a reason that quotes them. None of their control
// characters may reach the terminal, where an escape sequence could move the cursor up and
// draw ✓ lines over the ✗ ones. Each line printed stays one line, with every control escaped.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { auditCommand } from '../../src/cli/audit.js';
import type { Command } from '../../src/cli/command.js';
import { historyCommand } from '../../src/cli/history.js';
import { verifyCommand } from '../../src/cli/verify.js';
import { fakeIO } from './fake-io.js';

const V = join(import.meta.dirname, '../vectors/aegislog-v2');
const at = (path: string) => join(V, path);
const NOW = ['--now', '2026-12-31T00:00:00.000Z'];
const dir = mkdtempSync(join(tmpdir(), 'aegislog-printable-'));
const file = (name: string, content: string | Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Cursor up 12 lines, erase to the end of the screen, then a forged report. */
const FORGED = '\u001b[12A\u001b[J✓ digest\n✓ receipt_signature\r✓ sealed evidence acme-bank/x: all 6 checks passed\u009b8m\u202e';
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/;

async function run(command: Command, args: string[]) {
  const io = fakeIO();
  const code = await command.run(args, io);
  return { code, out: io.stdout, err: io.stderr };
}

describe('text reports print no control character of the input', () => {
  it('verify: an event_id carrying escape sequences and newlines is shown escaped, and the bundle still fails', async () => {
    const bundle = JSON.parse(readFileSync(at('bundles/acme-bank-p0-leaf0.json'), 'utf8'));
    bundle.receipt.event_id = FORGED;
    bundle.event.event_id = FORGED;
    for (const args of [[file('forged.json', JSON.stringify(bundle))], [file('forged-1.json', JSON.stringify(bundle)), at('bundles/acme-bank-p0-leaf0.json')]]) {
      const { code, out } = await run(verifyCommand, [...args, '--policy', at('policy-none.txt'), ...NOW]);
      expect(code).toBe(1);
      for (const line of out) expect(line).not.toMatch(CONTROL);
      expect(out.join('\n')).toContain('\\u001b[12A\\u001b[J✓ digest\\n✓ receipt_signature\\r✓ sealed evidence');
      expect(out.filter((l) => l.trimStart().startsWith('✓ sealed evidence acme-bank/x'))).toEqual([]);
    }
  });

  it('history: unsigned period fields with escape sequences are shown escaped (the history itself verifies)', async () => {
    const history = JSON.parse(readFileSync(at('histories/history-range.json'), 'utf8'));
    history.checkpoints[0].period_start = `\u001b[2J${FORGED}`;
    const { code, out } = await run(historyCommand, [file('history.json', JSON.stringify(history)), '--policy', at('policy-none.txt'), ...NOW]);
    expect(code).toBe(0);
    for (const line of out) expect(line).not.toMatch(CONTROL);
    expect(out.find((l) => l.startsWith('    #0 '))).toContain('\\u001b[2J\\u001b[12A');
  });

  it('audit: a receipt line naming an event with escape sequences is shown escaped', async () => {
    const lines = readFileSync(at('exports/beta.health-p4.ndjson'), 'utf8').trim().split('\n');
    const receipt = JSON.parse(lines[1]!);
    receipt.event_id = FORGED;
    receipt.received_at = '1999-01-01T00:00:00.000Z';
    lines[1] = JSON.stringify(receipt);
    const { code, out } = await run(auditCommand, [file('export.ndjson', `${lines.join('\n')}\n`), '--policy', at('policy-none.txt'), ...NOW]);
    expect(code).toBe(1);
    for (const line of out) expect(line).not.toMatch(CONTROL);
    expect(out.join('\n')).toContain('\\u001b[12A');
  });

  it('an error quoting the bytes of a file that is not JSON stays one line, without their controls', async () => {
    // U+009B (CSI) as UTF-8 (0xC2 0x9B): a lone 0x9B is no UTF-8, refused before any JSON is read.
    const { code, err } = await run(verifyCommand, [file('binary.json', Uint8Array.from([0x1b, 0x5b, 0x32, 0x4a, 0x07, 0x0d, 0xc2, 0x9b, 0x41])), '--policy', at('policy-none.txt')]);
    expect(code).toBe(2);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(/^aegislog verify: \S+binary\.json is not valid JSON/);
    expect(err[0]).not.toMatch(CONTROL);
  });
});
