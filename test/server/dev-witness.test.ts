// `aegislog dev --with-witness`: a local witness beside the dev server, the demo's
// checkpoints cosigned, and the policy it prints is the one that verifies them.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { startDev } from '../../src/cli/dev.js';
import { witnessOption } from '../../src/cli/dev-witness.js';
import type { EvidenceBundle, Receipt } from '../../src/protocol/index.js';
import { verifyEvidence } from '../../src/verify/index.js';
import { tempDir } from './helpers.js';

test('dev --with-witness: checkpoints arrive cosigned; the printed policy (quorum: the witness) passes them', async () => {
  const temp = await tempDir();
  const out: string[] = [];
  const dev = await startDev({ host: '127.0.0.1', port: 0, dataDir: join(temp.dir, 'data'), period: 86400, sync: 'normal', withWitness: true }, { out: (l) => void out.push(l), err: () => {} });
  try {
    const printed = out.join('\n');
    expect(printed).toMatch(/the policy an auditor pins/);
    const policy = await readFile(join(temp.dir, 'data', 'policy.txt'), 'utf8');
    expect(policy).toMatch(/^log .+\nlog .+\nwitness w1 \S+\/witness\+[0-9a-f]{8}\+\S+ http:\/\/127\.0\.0\.1:\d+\nquorum w1\n$/);
    for (const line of policy.trimEnd().split('\n')) expect(printed).toContain(`    ${line}`);
    const key = dev.keys.find((k) => k.scope === 'read')!.key;
    const admin = dev.keys.find((k) => k.scope === 'admin')!.key;
    const headers = { 'x-api-key': key, 'content-type': 'application/json' };
    const receipt = (await (await fetch(`${dev.url}/ingest`, { method: 'POST', headers, body: '{"event_type":"demo"}' })).json()) as Receipt;
    expect((await fetch(`${dev.url}/admin/seal`, { method: 'POST', headers: { 'x-api-key': admin } })).status).toBe(200);
    await expect.poll(async () => ((await (await fetch(`${dev.url}/healthz`)).json()) as { witnesses: { last_cosigned_size: number }[] }).witnesses[0]!.last_cosigned_size, { timeout: 20_000 }).toBe(1);
    const bundle = (await (await fetch(`${dev.url}/evidence/${receipt.event_id}`, { headers })).json()) as EvidenceBundle;
    const report = await verifyEvidence(bundle, { policy });
    expect(report.ok, JSON.stringify(report.checks)).toBe(true);
    expect(report.checks.witnesses).toMatchObject({ status: 'passed' });
  } finally {
    await dev.stop();
    await temp.remove();
  }
});

test('--witness URL=VKEY splits at the "=" where a vkey begins (a URL may hold "=")', () => {
  const vkey = 'witness.alpha.example/w1+bccebae6+BFseEqZP3HM8g5cthRJylNZDmuqPtZFtav2h5fRgZx9f'; // from the v2 vectors
  expect(witnessOption(`https://w.example/a=b=${vkey}`)).toEqual({ url: 'https://w.example/a=b', vkey });
  expect(witnessOption(`https://w.example=${vkey}`)).toEqual({ url: 'https://w.example', vkey });
  expect(() => witnessOption('https://w.example')).toThrow(/URL=VKEY/);
  expect(() => witnessOption(`not a url=${vkey}`)).toThrow(/URL=VKEY/);
});
