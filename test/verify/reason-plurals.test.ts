// The audits' reasons said "1 problems with the receipts", "1 problems with the lines", "1 notes not signed by a log
// key": a count of one now takes the singular, and what follows it agrees.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import history from '../vectors/aegislog-v2/histories/history-full-2of2.json';
import type { EvidenceBundleV1, Receipt } from '../../src/protocol/index.js';
import { auditExport, auditPeriod, verifyHistory, type VerifyKey } from '../../src/verify/index.js';
import { sealedAcme } from './helpers/seal.js';

const V = join(import.meta.dirname, '../vectors/aegislog-v2');
const policy = readFileSync(join(V, 'policy-2of2.txt'), 'utf8');
const now = new Date('2026-12-31T00:00:00.000Z');

describe('reasons with a count of one', () => {
  let key: VerifyKey;
  let bundle: EvidenceBundleV1;
  let receipts: Receipt[];
  beforeAll(async () => void ({ key, bundle, receipts } = await sealedAcme(4)));

  it('auditPeriod: "1 problem with the receipts", "1 receipt signature does not verify"', async () => {
    const foreign = [{ ...receipts[0]!, tenant_id: 'other' }, ...receipts.slice(1)];
    const report = await auditPeriod(foreign, bundle, { keys: key });
    expect(report.checks.receipts.reason).toMatch(/^1 problem with the receipts \(first: /);
    const forged = [{ ...receipts[0]!, signature_b64url: receipts[1]!.signature_b64url }, ...receipts.slice(1)];
    const signed = await auditPeriod(forged, bundle, { keys: key, verifySignatures: true });
    expect(signed.checks.signatures?.reason).toBe('1 receipt signature does not verify');
  });

  it('auditExport: "1 problem with the lines"', async () => {
    const [header, line] = readFileSync(join(V, 'exports/acme-bank-p4.ndjson'), 'utf8').split('\n');
    const report = await auditExport(`${header}\n${line}\n${line}\n`, { policy, now });
    expect(report.checks.entries.reason).toMatch(/^1 problem with the lines \(first: /);
  });

  it('verifyHistory: "1 note not signed by a log key"', async () => {
    const h = structuredClone(history) as { checkpoints: { note: string }[] };
    const note = h.checkpoints[1]!.note;
    // Another root in the signed text: no signature on it holds.
    const [origin, size, root, ...rest] = note.split('\n');
    h.checkpoints[1]!.note = [origin, size, `${root![0] === 'A' ? 'B' : 'A'}${root!.slice(1)}`, ...rest].join('\n');
    const report = await verifyHistory(h, { policy, now });
    expect(report.checks.signatures.reason).toMatch(/^1 note not signed by a log key \(first: #1: /);
  });
});
