// A tlog-policy whose ECDSA log key is no point on P-256 parses (its vkey has the right length
// and prefix) but can verify nothing. auditExport reads the checkpoint's verdict only after the
// last line: its rejection must not escape as an unhandled rejection in between (in Node, that
// kills the process); the audit rejects with the key's error instead, as for any caller mistake.
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import exportText from '../vectors/aegislog-v2/exports/acme-bank-p0.ndjson?raw';
import bundleText from '../vectors/aegislog-v2/bundles/acme-bank-p4-leaf256.json?raw';
import historyText from '../vectors/aegislog-v2/histories/history-full-2of2.json?raw';
import { auditExport, verifyEvidence, verifyHistory } from '../../src/verify/index.js';

const spki = Buffer.from(`3059301306072a8648ce3d020106082a8648ce3d03010703420004${'11'.repeat(64)}`, 'hex');
const id = createHash('sha256').update(spki).digest().subarray(0, 4).toString('hex');
const POLICY = `log evidence.acme.example/log+${id}+${Buffer.concat([Buffer.from([2]), spki]).toString('base64')}\nquorum none\n`;

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
});

describe('auditExport under a policy whose key is off its curve', () => {
  it('rejects with ERR_VKEY_INVALID, and nothing is left unhandled while the lines stream', async () => {
    process.on('unhandledRejection', onUnhandled);
    const lines = exportText.split(/(?<=\n)/);
    async function* slowly() {
      for (const line of lines) {
        yield line;
        // A turn of the event loop after each line: the verdict's rejection settles meanwhile.
        for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    await expect(auditExport(slowly(), { policy: POLICY, now: Date.parse('2026-12-31T00:00:00Z') })).rejects.toMatchObject({ code: 'ERR_VKEY_INVALID' });
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
  });
});

describe('verifyEvidence and verifyHistory under a policy whose key is off its curve', () => {
  // The caller's mistake, as for auditExport: a throw naming the key, not evidence whose signature checks "fail".
  it('reject with ERR_VKEY_INVALID instead of reporting failed signatures', async () => {
    const bundle = JSON.parse(bundleText);
    await expect(verifyEvidence(bundle, { policy: POLICY })).rejects.toMatchObject({ code: 'ERR_VKEY_INVALID', field: 'vkey' });
    await expect(verifyHistory(JSON.parse(historyText), { policy: POLICY })).rejects.toMatchObject({ code: 'ERR_VKEY_INVALID' });
  });
});
