// A tenant head's entries are [prev_tree_size, tree_size): a head whose prev_tree_size is above its tree_size names
// no period at all. The export audit read it as a head all the same: the checks failed later, each in its own words,
// and onProgress was told a negative total. The reader of heads now refuses it, naming both sizes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditExport } from '../../src/verify/index.js';

const V = join(import.meta.dirname, '../vectors/aegislog-v2');
const policy = readFileSync(join(V, 'policy-2of2.txt'), 'utf8');
const now = new Date('2026-12-31T00:00:00.000Z');
const [headerLine, ...lines] = readFileSync(join(V, 'exports/acme-bank-p4.ndjson'), 'utf8').split('\n');

function exportWith(prevTreeSize: number): string {
  const header = JSON.parse(headerLine!);
  header.tenant_head.prev_tree_size = prevTreeSize;
  return [JSON.stringify(header), ...lines].join('\n');
}

describe('auditExport: a tenant head whose prev_tree_size is above its tree_size', () => {
  it('is refused where the head is read, and onProgress is never told a negative total', async () => {
    const totals: (number | undefined)[] = [];
    const report = await auditExport(exportWith(258), { policy, now, onProgress: (_done, total) => totals.push(total) });
    expect(report.ok).toBe(false);
    expect(totals.every((t) => t === undefined || t >= 0)).toBe(true);
    expect(report.checks.head_inclusion).toMatchObject({ status: 'failed', reason: 'tenant_head.prev_tree_size 258 is above its tree_size 257' });
  });

  it('the head as signed still passes', async () => {
    expect((await auditExport(exportWith(256), { policy, now })).ok).toBe(true);
  });
});
