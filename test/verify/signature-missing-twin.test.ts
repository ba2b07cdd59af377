// An export line without its signature_b64url (or with a number there), audited with verifySignatures: under a
// policy the signatures check said "signature_b64url is missing or not a string", under the same key pinned as a
// PEM "signature must be bytes or base64url text", which names no member of the line. One fault, one wording.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditExport, importPublicKey } from '../../src/verify/index.js';

const V = join(import.meta.dirname, '../vectors/aegislog-v2');
const policy = readFileSync(join(V, 'policy-none.txt'), 'utf8');
const now = new Date('2026-12-31T00:00:00.000Z');
const [header, line] = readFileSync(join(V, 'exports/acme-bank-p0.ndjson'), 'utf8').trim().split('\n');

function exportWithSignature(signature: unknown): string {
  const receipt = JSON.parse(line!);
  if (signature === undefined) delete receipt.signature_b64url;
  else receipt.signature_b64url = signature;
  return `${header}\n${JSON.stringify(receipt)}\n`;
}

describe('a receipt line whose signature_b64url is missing or not a string', () => {
  it('the vector line passes with signatures checked, under the policy and under the pinned key', async () => {
    const keys = await importPublicKey(readFileSync(join(V, 'keys/receipt-ecdsa.pub.pem'), 'utf8'));
    for (const trust of [{ policy }, { keys, policy }]) {
      expect((await auditExport(exportWithSignature(JSON.parse(line!).signature_b64url), { ...trust, now, verifySignatures: true })).checks.signatures.status).toBe('passed');
    }
  });

  it.each([undefined, 5])('fails signatures in the same words under the policy and under the pinned key (%s)', async (signature) => {
    const keys = await importPublicKey(readFileSync(join(V, 'keys/receipt-ecdsa.pub.pem'), 'utf8'));
    const reasons = [];
    for (const trust of [{ policy }, { keys, policy }]) {
      const report = await auditExport(exportWithSignature(signature), { ...trust, now, verifySignatures: true });
      expect(report.checks.signatures.status).toBe('failed');
      reasons.push(report.problems.filter((p) => p.check === 'signatures').map((p) => p.reason));
    }
    expect(reasons[0]).toEqual(['signature: signature_b64url is missing or not a string']);
    expect(reasons[1]).toEqual(reasons[0]);
  });
});
