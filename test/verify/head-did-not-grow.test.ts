// PROTOCOL.md §4.2: "A tenant whose log did not grow gets no head for that period". A head whose
// prev_tree_size equals its tree_size covers no receipt: the export audit passed one, signed and
// included like any head, with no line at all, as proof of a period in which nothing was logged.
// The reader of heads refuses it, as it refuses a prev_tree_size above the tree_size.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditExport } from '../../src/verify/index.js';
import { firstHeadExport, testLogKey } from './helpers/first-head-export.js';

const V = join(import.meta.dirname, '../vectors/aegislog-v2');
const NOW = Date.UTC(2026, 11, 31);
const refused = (size: number) => `tenant_head.prev_tree_size ${size} is not below its tree_size ${size}: a log that did not grow in a period gets no head`;

describe('auditExport: a tenant head that covers no receipt (prev_tree_size = tree_size)', () => {
  it('is refused though the log signed it and included it in its root', async () => {
    const origin = 'log.example/empty-head';
    const { signer, policy } = await testLogKey(origin);
    const report = await auditExport(await firstHeadExport(origin, signer, [], []), { policy, now: NOW });
    expect(report.ok).toBe(false);
    expect(report.checks.head_inclusion).toMatchObject({ status: 'failed', reason: refused(0) });
  });

  it('is refused in a vector export whose head is changed to it (and the vector as given still passes)', async () => {
    const policy = readFileSync(join(V, 'policy-2of2.txt'), 'utf8');
    const [headerLine, ...lines] = readFileSync(join(V, 'exports/acme-bank-p4.ndjson'), 'utf8').split('\n');
    expect((await auditExport([headerLine, ...lines].join('\n'), { policy, now: NOW })).ok).toBe(true);
    const header = JSON.parse(headerLine!);
    header.tenant_head.prev_tree_size = 257; // its tree_size
    const report = await auditExport([JSON.stringify(header), ...lines].join('\n'), { policy, now: NOW });
    expect(report.ok).toBe(false);
    expect(report.checks.head_inclusion).toMatchObject({ status: 'failed', reason: refused(257) });
  });
});
