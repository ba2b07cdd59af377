// A version-1 period audit with verifySignatures, a receipt without its signature_b64url (or with a number there):
// the signatures problem read "signature: signature must be bytes or base64url text" (the key API's words, naming
// no member), where the version-2 export audit says of the same receipt "signature_b64url is missing or not a string".
import { describe, expect, it } from 'vitest';
import { auditPeriod } from '../../src/verify/index.js';
import { sealedAcme } from './helpers/seal.js';

describe('auditPeriod with verifySignatures: a receipt whose signature_b64url is missing or not a string', () => {
  it.each([undefined, 5])('is a signatures problem naming the member (%s)', async (signature) => {
    const { key, bundle, receipts } = await sealedAcme(3);
    expect((await auditPeriod(receipts, bundle, { keys: key, verifySignatures: true })).ok).toBe(true);
    const changed = receipts.map((r, i) => (i === 1 ? { ...r, signature_b64url: signature as never } : r));
    const report = await auditPeriod(changed, bundle, { keys: key, verifySignatures: true });
    expect(report.checks.signatures).toMatchObject({ status: 'failed' });
    expect(report.problems).toEqual([expect.objectContaining({ eventId: receipts[1]!.event_id, reason: 'signature: signature_b64url is missing or not a string' })]);
  });
});
