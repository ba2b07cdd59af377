import { describe, expect, it } from 'vitest';
import { auditPeriod, importPublicKey } from '../../src/verify/index.js';
import { makeSignedLog } from './signed-log.js';

// A caller may run auditPeriod calls side by side (`aegislog audit` did, one per
// tenant and period, until it fed each its lines in turn): concurrent audits must
// not share state across their awaits, such as the hashers' SIMD lanes. This pins it.
describe('auditPeriod calls running side by side (what aegislog audit does)', () => {
  it('give each the result it gives alone', async () => {
    const start = Date.UTC(2026, 10, 1);
    const log = await makeSignedLog([{ start, end: start + 86_400_000, tenants: { acme: 9, beta: 7, gamma: 5 } }]);
    const keys = await importPublicKey(log.key.publicPem);
    const tenants = ['acme', 'beta', 'gamma'];
    // Interleaved: each audit gets its receipts one line at a time, one await apart.
    async function* lines(tenant: string) {
      for (const { receipt } of log.periods[0]!.receipts.get(tenant)!) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        yield JSON.stringify(receipt);
      }
    }
    const reports = await Promise.all(tenants.map((t) => auditPeriod(lines(t), log.bundle(0, t, 0), { keys })));
    expect(reports.map((r) => [r.tenantId, r.ok, r.reason])).toEqual(tenants.map((t) => [t, true, undefined]));
  });
});
