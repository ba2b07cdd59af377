// A policy given as an object (what parsePolicy returns, or one made by hand) with a null witness or a null quorum:
// the audits threw raw TypeErrors ("Cannot read properties of null (reading 'key')"), where a null log key is refused
// as ERR_VKEY_INVALID and a policy of the wrong shape as ERR_CONFIG, before anything is read.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import history from '../vectors/aegislog-v2/histories/history-full-2of2.json';
import exportText from '../vectors/aegislog-v2/exports/acme-bank-p0.ndjson?raw';
import bundle from '../vectors/aegislog-v2/bundles/acme-bank-p0-leaf0.json';
import { auditExport, parsePolicy, verifyEvidence, verifyHistory, type Policy } from '../../src/verify/index.js';

const policy = parsePolicy(readFileSync(join(import.meta.dirname, '../vectors/aegislog-v2/policy-2of2.txt'), 'utf8'));
const now = new Date('2026-12-31T00:00:00.000Z');
const audits = (p: unknown) => [
  () => verifyHistory(history, { policy: p as Policy, now }),
  () => auditExport(exportText, { policy: p as Policy, now }),
  () => verifyEvidence(bundle, { policy: p as Policy, now }),
];

describe('a policy object with a null part', () => {
  it('a null witness: ERR_VKEY_INVALID, as a null log key is', async () => {
    for (const audit of audits({ ...policy, witnesses: [...policy.witnesses, null] })) {
      await expect(audit()).rejects.toMatchObject({ name: 'AegisLogError', code: 'ERR_VKEY_INVALID' });
    }
  });

  it('a null quorum: ERR_CONFIG naming the policy', async () => {
    for (const audit of audits({ ...policy, quorum: null })) {
      await expect(audit()).rejects.toMatchObject({ name: 'AegisLogError', code: 'ERR_CONFIG', field: 'policy' });
    }
  });

  it('the policy itself still verifies', async () => {
    expect((await verifyHistory(history, { policy, now })).ok).toBe(true);
  });
});
