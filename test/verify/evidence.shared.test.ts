import { beforeAll, describe, expect, it } from 'vitest';
import { importPublicKey, verifyCheckpointChain, verifyEvidence, type EvidenceBundleV1, type VerifyKey } from '../../src/verify/index.js';
import { makeSigner, pendingOf, sealPeriod, type SealedPeriod, type Signer } from './helpers/seal.js';

const SEALED = ['checkpoint_signature', 'digest', 'inclusion', 'period', 'receipt_signature', 'tenant_inclusion'];
const allOk = (names: string[]) => Object.fromEntries(names.map((n) => [n, { status: 'passed', ok: true }]));

let signer: Signer;
let key: VerifyKey;
let periods: SealedPeriod[];

beforeAll(async () => {
  signer = await makeSigner();
  key = (await importPublicKey(signer.publicKey)) as VerifyKey;
  // Period 0: 17 tenants with 1..17 receipts (tenant trees of every size 1..17, a global tree of 17).
  const sizes = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`t${String(i + 1).padStart(2, '0')}`, i + 1]));
  const p0 = await sealPeriod(signer, sizes, 0);
  const p1 = await sealPeriod(signer, { 'acme.eu': 3, 'beta.health': 1 }, 1, p0.checkpoint);
  const p2 = await sealPeriod(signer, { solo: 2 }, 2, p1.checkpoint);
  periods = [p0, p1, p2];
});

const everyBundle = (): EvidenceBundleV1[] => periods.flatMap((p) => [...p.bundles.values()].flat());

describe('verifyEvidence on bundles sealed in the test with a WebCrypto P-256 key', () => {
  it('the key imported from the CryptoKey carries its RFC 7638 thumbprint as kid', () => {
    expect(key.kid).toBe(signer.kid);
  });

  it('every bundle of three periods (tenant trees 1..17, global trees 17, 2, 1) verifies with every check ok', async () => {
    const bundles = everyBundle();
    expect(bundles).toHaveLength(153 + 4 + 2);
    for (const bundle of bundles) {
      expect(await verifyEvidence(bundle, { keys: key }), bundle.receipt.event_id).toEqual({ ok: true, version: 1, status: 'sealed', checks: allOk(SEALED) });
    }
  });

  it('verifies the same through the noble backend, and with a JWKS, a PEM-less JWK and a key list', async () => {
    const jwk = { ...key.jwk };
    const keyLists = [[key], await importPublicKey({ keys: [jwk] }), await importPublicKey(JSON.stringify(jwk))];
    for (const bundle of periods[1]!.bundles.get('acme.eu')!) {
      for (const keys of keyLists) {
        expect((await verifyEvidence(bundle, { keys: keys as VerifyKey[], backend: 'noble' })).ok).toBe(true);
      }
    }
  });

  it('chain: all three checkpoints chain; each bundle is in or next after the given checkpoints', async () => {
    const checkpoints = periods.map((p) => p.checkpoint);
    expect(await verifyCheckpointChain(checkpoints, { keys: key })).toMatchObject({ ok: true, length: 3 });
    const last = periods[2]!.bundles.get('solo')![0]!;
    expect((await verifyEvidence(last, { keys: key, checkpoints })).checks.chain).toEqual({ status: 'passed', ok: true });
    expect((await verifyEvidence(last, { keys: key, checkpoints: checkpoints.slice(0, 2) })).checks.chain).toEqual({ status: 'passed', ok: true });
    // A gap: given only period 0, period 2's checkpoint cannot be linked.
    const gap = await verifyEvidence(last, { keys: key, checkpoints: checkpoints.slice(0, 1) });
    expect(gap.ok).toBe(false);
    expect(gap.checks.chain).toMatchObject({ ok: false, reason: expect.stringContaining('neither in the given chain') });
    // An empty list (a checkpoints file that holds none): the chain asked for is reported skipped, not left out.
    const none = await verifyEvidence(last, { keys: key, checkpoints: [] });
    expect(none.checks.chain).toMatchObject({ status: 'skipped', ok: false, reason: expect.stringContaining('no earlier checkpoint was given') });
    expect(none.ok).toBe(true);
  });

  it('verifyCheckpointChain names the first break: a rewritten past period, a forged signature, a missing link', async () => {
    const [c0, c1, c2] = periods.map((p) => p.checkpoint) as [typeof periods[0]['checkpoint'], typeof periods[0]['checkpoint'], typeof periods[0]['checkpoint']];
    // Period 0 rewritten and re-signed by the same key: only the link from c1 can reveal it.
    const { signature_b64url: _, ...statement0 } = c0;
    const forged = { ...statement0, root_b64url: c1.root_b64url };
    const resigned = { ...forged, signature_b64url: await signer.sign(forged) };
    expect(await verifyCheckpointChain([resigned, c1, c2], { keys: key })).toMatchObject({ ok: false, firstBreak: { index: 1, reason: expect.stringContaining('prev_b64url') } });
    expect(await verifyCheckpointChain([c0, { ...c1, signature_b64url: c0.signature_b64url }, c2], { keys: key })).toMatchObject({ firstBreak: { index: 1 } });
    expect(await verifyCheckpointChain([c0, c2], { keys: key })).toMatchObject({ firstBreak: { index: 1 } });
    expect(await verifyCheckpointChain([c1, c2], { keys: key })).toMatchObject({ ok: true }); // a slice need not start at genesis
    expect(await verifyCheckpointChain([c0, { ...c1, prev_b64url: null }], { keys: key })).toMatchObject({ firstBreak: { index: 1 } });
    expect(await verifyCheckpointChain('nope', { keys: key })).toMatchObject({ ok: false, firstBreak: { index: 0 } });
    expect(await verifyCheckpointChain([c0, null], { keys: key })).toMatchObject({ ok: false, firstBreak: { index: 1 } });
    // Signed and linked to c0, yet another log's, or overlapping c0's period.
    const { signature_b64url: __, ...statement1 } = c1;
    for (const [change, reason] of [[{ log_id: 'other-log' }, 'log_id'], [{ period_start: c0.period_start }, 'starts before']] as const) {
      const link = { ...statement1, ...change };
      const signed = { ...link, signature_b64url: await signer.sign(link) };
      expect(await verifyCheckpointChain([c0, signed], { keys: key })).toMatchObject({ ok: false, firstBreak: { index: 1, reason: expect.stringContaining(reason) } });
    }
  });

  it('pending bundles report digest and receipt signature only, with status pending', async () => {
    const sealed = periods[0]!.bundles.get('t05')![3]!;
    expect(await verifyEvidence(pendingOf(sealed), { keys: key })).toEqual({ ok: true, version: 1, status: 'pending', checks: allOk(['digest', 'receipt_signature']) });
    const tampered = { ...pendingOf(sealed), event: { ...sealed.event, prompt: 'changed' } };
    const report = await verifyEvidence(tampered, { keys: key });
    expect(report).toMatchObject({ ok: false, status: 'pending', checks: { digest: { ok: false }, receipt_signature: { ok: true } } });
    const badSig = { ...pendingOf(sealed), receipt: { ...sealed.receipt, signature_b64url: periods[0]!.checkpoint.signature_b64url } };
    expect((await verifyEvidence(badSig, { keys: key, backend: 'noble' })).checks.receipt_signature).toMatchObject({ ok: false });
  });

  it('chooses the key by key_id; a lone pinned key is used whatever the key_id; a KMS-style kid can be given at import', async () => {
    const bundle = periods[2]!.bundles.get('solo')![1]!;
    const other = (await importPublicKey((await makeSigner()).publicKey)) as VerifyKey;
    expect((await verifyEvidence(bundle, { keys: [other, key] })).ok).toBe(true);
    expect((await verifyEvidence(bundle, { keys: [key, other] })).ok).toBe(true);
    const wrong = await verifyEvidence(bundle, { keys: other });
    expect(wrong.checks.receipt_signature).toMatchObject({ ok: false, reason: expect.stringContaining('does not verify') });
    const third = (await importPublicKey((await makeSigner()).publicKey)) as VerifyKey;
    expect((await verifyEvidence(bundle, { keys: [other, third] })).checks.receipt_signature).toMatchObject({ reason: expect.stringContaining('no key with kid') });

    const kms = await makeSigner('arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    const kmsBundle = (await sealPeriod(kms, { acme: 2 })).bundles.get('acme')![0]!;
    const kmsKey = (await importPublicKey(kms.publicKey, { kid: kms.kid })) as VerifyKey;
    expect(kmsKey.kid).toBe(kms.kid);
    expect((await verifyEvidence(kmsBundle, { keys: [key, kmsKey] })).ok).toBe(true);
  });

  it('refuses keys that are not imported keys: a caller error, so it throws', async () => {
    const bundle = everyBundle()[0]!;
    await expect(verifyEvidence(bundle, { keys: [] })).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' });
    await expect(verifyEvidence(bundle, { keys: { kid: 'x' } as never })).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' });
  });
});
