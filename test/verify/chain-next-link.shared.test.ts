// Version 1 (PROTOCOL-v1.md §4–5): with earlier checkpoints given, a bundle's checkpoint passes `chain` when it
// is one of them or the next link after the last. The next link is held to the rules every link of the
// chain is held to (verifyCheckpointChain): its prev_b64url names the last, it has the same log_id, and its
// period starts no earlier than the last one ended. It was once held to prev_b64url alone.
import { beforeAll, describe, expect, it } from 'vitest';
import { importPublicKey, verifyCheckpointChain, verifyEvidence, type VerifyKey } from '../../src/verify/index.js';
import { checkpointStatementOf, type CheckpointV1, type EvidenceBundleV1 } from '../../src/protocol/index.js';
import { makeSigner, sealPeriod, type Signer } from './helpers/seal.js';

let signer: Signer;
let key: VerifyKey;
let first: CheckpointV1;

beforeAll(async () => {
  signer = await makeSigner();
  key = (await importPublicKey(signer.publicKey)) as VerifyKey;
  first = (await sealPeriod(signer, { a: 2 }, 0)).checkpoint;
});

async function nextBundle(index: number): Promise<EvidenceBundleV1> {
  return (await sealPeriod(signer, { a: 3 }, index, first)).bundles.get('a')![1]!;
}

describe('the next link after the given checkpoints', () => {
  it('a checkpoint of the next period that names the last passes chain', async () => {
    const bundle = await nextBundle(1);
    const report = await verifyEvidence(bundle, { keys: key, checkpoints: [first] });
    expect(report.checks.chain).toEqual({ status: 'passed', ok: true });
    expect(report.ok).toBe(true);
  });

  it('a checkpoint that names the last but re-opens its period fails chain, as in the chain itself', async () => {
    const bundle = await nextBundle(0); // the same period as `first`, chained to it
    expect((await verifyCheckpointChain([first, bundle.checkpoint], { keys: key })).ok).toBe(false);
    const report = await verifyEvidence(bundle, { keys: key, checkpoints: [first] });
    expect(report.checks.chain).toMatchObject({ status: 'failed', reason: expect.stringContaining('starts before the previous period ended') });
    expect(report.ok).toBe(false);
  });

  it('a checkpoint that names the last but has another log_id fails chain', async () => {
    const bundle = await nextBundle(1);
    const statement = checkpointStatementOf({ ...bundle.checkpoint!, log_id: 'another-log' });
    const checkpoint = { ...statement, signature_b64url: await signer.sign(statement) };
    const report = await verifyEvidence({ ...bundle, checkpoint }, { keys: key, checkpoints: [first] });
    expect(report.checks.checkpoint_signature).toEqual({ status: 'passed', ok: true });
    expect(report.checks.chain).toMatchObject({ status: 'failed', reason: expect.stringContaining('log_id "another-log" differs') });
    expect(report.ok).toBe(false);
  });
});
