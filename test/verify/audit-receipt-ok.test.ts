// A receipt is its statement plus `ok: true` (PROTOCOL-v1.md §3). The bundle check refuses one whose ok is not
// true ("receipt.ok is not true") and so does the version-2 export audit; the version-1 period audit took it.
import { beforeAll, describe, expect, it } from 'vitest';
import type { EvidenceBundleV1, Receipt } from '../../src/protocol/index.js';
import { auditPeriod, importPublicKey, type VerifyKey } from '../../src/verify/index.js';
import { openPeriodAudit } from '../../src/verify/audit.js';
import { readReceiptLine } from '../../src/verify/receipt-line.js';
import { makeSigner, sealPeriod } from './helpers/seal.js';

let key: VerifyKey;
let bundle: EvidenceBundleV1;
let receipts: Receipt[];

beforeAll(async () => {
  const signer = await makeSigner('k-1');
  key = (await importPublicKey(signer.publicKey, { kid: signer.kid })) as VerifyKey;
  const period = await sealPeriod(signer, { acme: 6 });
  bundle = period.bundles.get('acme')![0]!;
  receipts = period.bundles.get('acme')!.map((b) => b.receipt);
});

const REASON = "the receipt's ok is not true";

describe('a period audit of a receipt whose ok is not true', () => {
  it.each([false, 'true', null, undefined])('ok %j: a problem naming the receipt, the audit fails', async (ok) => {
    const bad = receipts.map((r, i) => (i === 2 ? { ...r, ok } : r)) as Receipt[];
    const report = await auditPeriod(bad, bundle, { keys: key });
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([{ index: 2, eventId: receipts[2]!.event_id, reason: REASON }]);
    expect(report.checks.receipts).toMatchObject({ ok: false });
  });

  it('the same as plain bytes (what aegislog audit hands it)', async () => {
    const audit = openPeriodAudit(bundle, { keys: key });
    for (const [i, r] of receipts.entries()) {
      const b = new TextEncoder().encode(`${JSON.stringify(i === 2 ? { ...r, ok: false } : r)}\n`);
      expect(readReceiptLine(b, 0, b.length - 1, false)).toBe(true);
      audit.addPlain(b, 0, b.length - 1);
    }
    audit.endBatch();
    const report = await audit.finish();
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([{ index: 2, eventId: receipts[2]!.event_id, reason: REASON }]);
  });
});
