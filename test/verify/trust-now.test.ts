// options.now of the audits is epoch milliseconds or a Date (TrustOptions). One that is neither (NaN, a string, an
// invalid Date) was refused deep in the note check as "now must be POSIX seconds or a Date", the unit of verifyNote's
// own option: a caller who followed it and passed seconds got a clock in 1970, and every cosignature "from the
// future". The audits now refuse it up front, in their own unit.
import { describe, expect, it } from 'vitest';
import history from '../vectors/aegislog-v2/histories/history-full-2of2.json';
import exportText from '../vectors/aegislog-v2/exports/acme-bank-p0.ndjson?raw';
import bundle from '../vectors/aegislog-v2/bundles/acme-bank-p0-leaf0.json';
import policy from '../vectors/aegislog-v2/policy-2of2.txt?raw';
import { auditExport, verifyEvidence, verifyHistory } from '../../src/verify/index.js';

describe('options.now that is no time', () => {
  it.each([Number.NaN, 'tomorrow', new Date('no date'), {}])('%j: ERR_CONFIG naming now, in milliseconds', async (now) => {
    const expected = { code: 'ERR_CONFIG', field: 'now', message: 'now must be epoch milliseconds or a Date' };
    await expect(verifyHistory(history, { policy, now: now as never })).rejects.toMatchObject(expected);
    await expect(auditExport(exportText, { policy, now: now as never })).rejects.toMatchObject(expected);
    await expect(verifyEvidence(bundle, { policy, now: now as never })).rejects.toMatchObject(expected);
  });

  it('milliseconds and Dates are taken', async () => {
    const at = Date.parse('2026-12-31T00:00:00.000Z');
    expect((await verifyHistory(history, { policy, now: at })).ok).toBe(true);
    expect((await verifyHistory(history, { policy, now: new Date(at) })).ok).toBe(true);
  });
});
