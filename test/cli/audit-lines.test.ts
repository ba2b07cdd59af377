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
  return { code, out: io.stdout, err: io.stderr };
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
      '✗ acme 2026-11-01T00:00:00.000Z: 29 receipts: 1 problem with the receipts (first: the line is not JSON)',
      '    #29: the line is not JSON',
      '✗ 1 line is not a receipt',
      '    line 11: not JSON',
      '✗ audit failed',
    ]);
  });

  it('a BOM only at the start of the file is dropped; elsewhere the line is not JSON', async () => {
    const text = receipts('acme').map((r) => JSON.stringify(r));
    const { code, out } = await audit('bom.ndjson', `\ufeff${text.slice(0, 5).join('\n')}\n\ufeff${text.slice(5).join('\n')}\n`, false);
    expect(code).toBe(1);
    expect(out[1]).toBe('✗ acme 2026-11-01T00:00:00.000Z: 29 receipts: 1 problem with the receipts (first: the line is not JSON)');
    expect(out[2]).toBe(`    #5: the line is not JSON`);
  });

  it('bytes that are not UTF-8 are unusable input (exit 2), named by line and byte offset: never read as U+FFFD', async () => {
    const acme = receipts('acme');
    const text = acme.map((r) => `${JSON.stringify(r)}\n`).join('');
    const bytes = new TextEncoder().encode(text);
    // The member, not the bare value: `t3` alone also turns up in a random signature of an earlier line.
    const at = text.indexOf(`"trace_id":"${acme[3]!.trace_id}"`) + '"trace_id":"'.length; // all ASCII: the same offset in bytes
    expect(text.lastIndexOf('\n', at)).toBe(text.split('\n').slice(0, 3).join('\n').length); // in line 4
    // Inside trace_id, outside the receipt statement: read as U+FFFD, the root stayed the same and the audit passed.
    bytes[at] = 0xff;
    const latin = await audit('latin.ndjson', bytes, false);
    expect(latin.out).toEqual([]);
    expect(latin.err).toEqual([`aegislog audit: ${join(dir, 'latin.ndjson')} is not UTF-8: an invalid byte sequence at line 4, byte offset ${at} (convert the file to UTF-8, e.g. with iconv)`]);
    expect(latin.code).toBe(2);

    // Past the first chunk read: the line is counted on a second read of the file, which a valid file never pays for.
    const pad = ' '.repeat(FILE_CHUNK_BYTES + 100);
    const far = new TextEncoder().encode(`${acme.slice(0, 5).map((r) => JSON.stringify(r)).join('\n')}\n${pad}\n${acme.slice(5).map((r) => JSON.stringify(r)).join('\n')}\n`);
    const offset = far.indexOf(0x0a, 5 * 1000 + pad.length) + 10; // inside line 8, the second receipt after the padding
    expect(offset).toBeGreaterThan(FILE_CHUNK_BYTES);
    far[offset] = 0xc0; // a lead byte no UTF-8 has (an overlong form)
    const line = new TextDecoder().decode(far.subarray(0, offset)).split('\n').length;
    const bad = await audit('far.ndjson', far, false);
    expect(bad.err).toEqual([`aegislog audit: ${join(dir, 'far.ndjson')} is not UTF-8: an invalid byte sequence at line ${line}, byte offset ${offset} (convert the file to UTF-8, e.g. with iconv)`]);
    expect(bad.code).toBe(2);
  });
});
