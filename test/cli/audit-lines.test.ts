import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditCommand } from '../../src/cli/audit.js';
import { FILE_CHUNK_BYTES } from '../../src/cli/input.js';
import type { Receipt } from '../../src/protocol/index.js';
import { fakeIO } from './fake-io.js';
import { makeSignedLog, type SignedLog } from './signed-log.js';

// The version-1 audit reads a line of the server's plain shape from its bytes and
// decodes any other: however the lines are written, the report must be the one
// for the same receipts written plainly.
const P0 = Date.UTC(2026, 10, 1);
const dir = mkdtempSync(join(tmpdir(), 'aegislog-audit-lines-'));
let log: SignedLog;
let checkpoints: string;
let key: string;

beforeAll(async () => {
  log = await makeSignedLog([{ start: P0, end: P0 + 86_400_000, tenants: { acme: 30, beta: 6 } }], { signReceipts: false });
  key = join(dir, 'key.pem');
  writeFileSync(key, log.key.publicPem);
  const heads = ['acme', 'beta'].map((t) => {
    const { tenant_head, tenant_inclusion } = log.bundle(0, t, 0);
    return { tenant_head, tenant_inclusion };
  });
  checkpoints = join(dir, 'checkpoints.json');
  writeFileSync(checkpoints, JSON.stringify({ checkpoints: log.checkpoints, tenant_heads: heads }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const receipts = (tenant: string): Receipt[] => log.periods[0]!.receipts.get(tenant)!.map((r) => r.receipt);

async function audit(name: string, content: string | Uint8Array, json = true) {
  const path = join(dir, name);
  writeFileSync(path, content);
  const io = fakeIO();
  const code = await auditCommand.run(['--export', path, '--checkpoints', checkpoints, '--key', key, ...(json ? ['--json'] : [])], io);
  return { code, out: io.stdout };
}

describe('aegislog audit (v1): how the lines are written', () => {
  it('CRLF, blank lines, spaces, a BOM, tenants interleaved, a line across chunks, no last newline: the plain report', async () => {
    const acme = receipts('acme');
    const beta = receipts('beta');
    const plain = await audit('plain.ndjson', [...acme, ...beta].map((r) => `${JSON.stringify(r)}\n`).join(''));
    expect(plain.code).toBe(0);

    const lines: string[] = [];
    acme.forEach((r, i) => {
      const text = JSON.stringify(r);
      // Every few lines something the server does not write: JSON.parse reads them all the same.
      if (i % 5 === 1) lines.push(`${text}\r`);
      else if (i % 5 === 2) lines.push(text.replaceAll(',"', ', "'));
      else if (i % 5 === 3) lines.push('', ' \t', text);
      else if (i % 5 === 4) lines.push(JSON.stringify({ ...r, trace_id: `${r.trace_id} é "q"` }));
      else lines.push(text);
      if (i < beta.length) lines.push(JSON.stringify(beta[i])); // each tenant's audit fed in turn, line by line
    });
    // A whitespace line that puts the next receipt across the file's first chunk boundary.
    const before = new TextEncoder().encode(`\ufeff${lines.slice(0, 20).join('\n')}\n`).length;
    lines.splice(20, 0, ' '.repeat(FILE_CHUNK_BYTES - before - 40));
    const odd = await audit('odd.ndjson', `\ufeff${lines.join('\n')}`);
    expect(odd).toEqual(plain);
  });

  it('a line that is not JSON, and a last line cut short', async () => {
    const acme = receipts('acme');
    const text = acme.map((r) => JSON.stringify(r));
    const cut = text.at(-1)!.slice(0, text.at(-1)!.indexOf('"key_id"'));
    const { code, out } = await audit('bad.ndjson', `${text.slice(0, 10).join('\n')}\n{oops\n${text.slice(10, -1).join('\n')}\n${cut}`, false);
    expect(code).toBe(1);
    expect(out.slice(1)).toEqual([
      '✗ acme 2026-11-01T00:00:00.000Z: 29 receipts: 1 problems with the receipts (first: the line is not JSON)',
      '    #29: the line is not JSON',
      '✗ 1 lines are not receipts',
      '    line 11: not JSON',
      '✗ audit failed',
    ]);
  });

  it('a BOM only at the start of the file is dropped; elsewhere the line is not JSON', async () => {
    const text = receipts('acme').map((r) => JSON.stringify(r));
    const { code, out } = await audit('bom.ndjson', `\ufeff${text.slice(0, 5).join('\n')}\n\ufeff${text.slice(5).join('\n')}\n`, false);
    expect(code).toBe(1);
    expect(out[1]).toBe('✗ acme 2026-11-01T00:00:00.000Z: 29 receipts: 1 problems with the receipts (first: the line is not JSON)');
    expect(out[2]).toBe(`    #5: the line is not JSON`);
  });

  it('bytes that are not UTF-8 read as U+FFFD, as a decoder reads them', async () => {
    const acme = receipts('acme');
    const bytes = new TextEncoder().encode(acme.map((r) => `${JSON.stringify(r)}\n`).join(''));
    const at = new TextDecoder().decode(bytes).indexOf(acme[3]!.trace_id);
    bytes[at] = 0xff; // inside trace_id: the receipt statement, hence the root, stays the same
    const { code, out } = await audit('latin.ndjson', bytes, false);
    expect(code).toBe(0);
    expect(out.at(-1)).toBe('✓ audit passed: 30 receipts in 1 tenant tree');
  });
});
