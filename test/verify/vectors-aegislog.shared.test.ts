import { describe, expect, it } from 'vitest';
import keyPem from '../vectors/aegislog-v1/key.pem?raw';
import jwks from '../vectors/aegislog-v1/keys.json';
import { importPublicKey, verifyCheckpointChain, verifyEvidence, type EvidenceBundleV1, type KeyInput } from '../../src/verify/index.js';

// Bundles made by an independent implementation of PROTOCOL.md (vectors/aegislog-v1/README.md).
const bundles = import.meta.glob<EvidenceBundleV1>('../vectors/aegislog-v1/bundles/*.json', { eager: true, import: 'default' });
const SEALED_CHECKS = ['checkpoint_signature', 'digest', 'inclusion', 'period', 'receipt_signature', 'tenant_inclusion'];

describe('aegislog-v1 bundles', () => {
  it('holds the six bundles, high_s.json among them', () => {
    expect(Object.keys(bundles).map((p) => p.split('/').pop()).sort()).toEqual(['000.json', '006.json', '007.json', '008.json', '030.json', 'high_s.json']);
  });

  for (const [source, load] of [['key.pem', () => importPublicKey(keyPem)], ['keys.json', () => importPublicKey(jwks)]] as const) {
    for (const backend of ['webcrypto', 'noble'] as const) {
      it(`every bundle verifies with every check ok against ${source} (${backend})`, async () => {
        const keys = (await load()) as KeyInput;
        for (const [path, bundle] of Object.entries(bundles)) {
          const report = await verifyEvidence(bundle, { keys, backend });
          expect(report, path).toEqual({ ok: true, version: 1, status: 'sealed', checks: Object.fromEntries(SEALED_CHECKS.map((n) => [n, { status: 'passed', ok: true }])) });
        }
      });
    }
  }

  it('the two checkpoints form a chain, and each bundle verifies its chain check against it', async () => {
    const keys = (await importPublicKey(jwks)) as KeyInput;
    const unique = new Map(Object.values(bundles).map((b) => [b.checkpoint!.signature_b64url, b.checkpoint!]));
    const checkpoints = [...unique.values()].sort((a, b) => a.period_start.localeCompare(b.period_start));
    expect(checkpoints).toHaveLength(2);
    expect(checkpoints[0]!.prev_b64url).toBeNull(); // the genesis
    expect(await verifyCheckpointChain(checkpoints, { keys })).toMatchObject({ ok: true, length: 2 });
    expect((await verifyCheckpointChain([...checkpoints].reverse(), { keys })).firstBreak).toMatchObject({ index: 1 });
    for (const bundle of Object.values(bundles)) {
      const report = await verifyEvidence(bundle, { keys, checkpoints });
      expect(report.checks.chain).toEqual({ status: 'passed', ok: true });
      // Given only the first checkpoint, a bundle of the second period is its next link; of the first, a member.
      expect((await verifyEvidence(bundle, { keys, checkpoints: checkpoints.slice(0, 1) })).checks.chain).toEqual({ status: 'passed', ok: true });
    }
  });
});
