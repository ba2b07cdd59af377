// maxProblems 0 lists no problem and keeps the count: a period audit with a bad receipt then named the first
// listed problem in its receipts check, and there was none (a TypeError, where the export audit reports).
import { beforeAll, describe, expect, it } from 'vitest';
import type { EvidenceBundleV1, Receipt } from '../../src/protocol/index.js';
import { auditPeriod, type VerifyKey } from '../../src/verify/index.js';
import { sealedAcme } from './helpers/seal.js';

let key: VerifyKey;
let bundle: EvidenceBundleV1;
let receipts: Receipt[];

beforeAll(async () => void ({ key, bundle, receipts } = await sealedAcme(8)));

describe('auditPeriod with maxProblems 0', () => {
  it('a receipt of another tenant: a failed receipts check with the exact count, not a throw', async () => {
    const foreign = [{ ...receipts[0]!, tenant_id: 'other' }, ...receipts.slice(1)];
    const report = await auditPeriod(foreign, bundle, { keys: key, maxProblems: 0 });
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([]);
    expect(report.problemCount).toBe(1);
    expect(report.checks.receipts).toMatchObject({ ok: false, reason: expect.stringContaining('1 problem with the receipts') });
  });
});
