import { beforeAll, describe, expect, it } from 'vitest';
import { formatTime, type EvidenceBundleV1, type Receipt } from '../../src/protocol/index.js';
import { auditPeriod, importPublicKey, type VerifyKey } from '../../src/verify/index.js';
import { openPeriodAudit } from '../../src/verify/audit.js';
import { readReceiptLine } from '../../src/verify/receipt-line.js';
import { DAY, makeSigner, sealPeriod } from './helpers/seal.js';

// `aegislog audit` hands a line of the server's plain shape to the audit as bytes
// (addPlain), every other line as its JSON.parse (add). Both must report the same.
let key: VerifyKey;
let bundle: EvidenceBundleV1;
let receipts: Receipt[];
let others: Receipt[];

beforeAll(async () => {
  const signer = await makeSigner('k-1'); // ASCII: a plain line's strings are
  key = (await importPublicKey(signer.publicKey, { kid: signer.kid })) as VerifyKey;
  const period = await sealPeriod(signer, { acme: 40, other: 2 });
  bundle = period.bundles.get('acme')![3]!;
  receipts = period.bundles.get('acme')!.map((b) => b.receipt);
  others = period.bundles.get('other')!.map((b) => b.receipt);
});

/** The audit fed each line's bytes through addPlain, failing the test if a line would not take that path. */
async function viaBytes(list: readonly Receipt[]) {
  const audit = openPeriodAudit(bundle, { keys: key });
  for (const r of list) {
    const b = new TextEncoder().encode(`${JSON.stringify(r)}\r\n`);
    const to = b.length - 2;
    expect(readReceiptLine(b, 0, to, false)).toBe(true);
    audit.addPlain(b, 0, to);
  }
  audit.endBatch();
  return audit.finish();
}

const viaObjects = (list: readonly Receipt[]) => auditPeriod(list, bundle, { keys: key });

describe('a period audit fed plain lines as bytes', () => {
  it('reports what it reports for the parsed receipts: an export that holds', async () => {
    const report = await viaBytes(receipts);
    expect(report.ok).toBe(true);
    expect(report).toEqual(await viaObjects(receipts));
  });

  it('and one with every problem a receipt line can have, in order and not', async () => {
    const start = Date.parse(receipts[0]!.received_at);
    const list = receipts.map((r, i) => {
      if (i === 2) return { ...r, tenant_id: 'acne' }; // routed here by mistake: another tenant
      if (i === 4) return { ...r, received_at: '2026-11-27T25:00:00.000Z' }; // not a time
      if (i === 6) return { ...r, received_at: formatTime(start + DAY) }; // after the period
      if (i === 8) return { ...r, event_id: '' };
      if (i === 10) return { ...r, event_id: `${r.event_id}-${'x'.repeat(1200)}` }; // longer than a SIMD lane holds
      return r;
    });
    list.splice(12, 0, list[11]!); // a receipt twice, in a row
    list.push(others[0]!);
    expect((await viaBytes(list)).problemCount).toBe(6);
    expect(await viaBytes(list)).toEqual(await viaObjects(list));
    const unordered = [...list.slice(20), ...list.slice(0, 20)];
    const report = await viaBytes(unordered);
    expect(report.inOrder).toBe(false);
    expect(report.problems.map((p) => p.reason)).toContain('appears twice');
    expect(report).toEqual(await viaObjects(unordered));
  });

  it('and one of more receipts than its head claims, past the room made for them', async () => {
    const list = Array.from({ length: 1100 }, (_, i) => receipts[i % receipts.length]!);
    const report = await viaBytes(list);
    expect([report.count, report.inOrder, report.problemCount]).toEqual([1100, false, 1060]);
    expect(report).toEqual(await viaObjects(list));
  });
});
