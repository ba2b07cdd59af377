// options.keys may hold a key made by hand ({ kid, jwk, point, cryptoKey }) rather than by importPublicKey.
// One whose point is not on P-256 was taken, and every signature check under it then failed, as if the
// evidence were forged: the caller's key is at fault. It is refused as ERR_KEY_INVALID naming the key, as
// importPublicKey refuses the same point.
import { beforeAll, describe, expect, it } from 'vitest';
import type { CheckpointV1 } from '../../src/protocol/index.js';
import { auditPeriod, importPublicKey, verifyCheckpointChain, verifyEvidence, type VerifyKey } from '../../src/verify/index.js';
import { makeSigner, sealPeriod } from './helpers/seal.js';

let key: VerifyKey;
let checkpoint: CheckpointV1;
let bundle: unknown;

beforeAll(async () => {
  const signer = await makeSigner('k-1');
  key = (await importPublicKey(signer.publicKey, { kid: signer.kid })) as VerifyKey;
  const sealed = await sealPeriod(signer, { acme: 2 });
  bundle = sealed.bundles.get('acme')![0]!;
  checkpoint = sealed.bundles.get('acme')![0]!.checkpoint!;
});

const offCurve = () => {
  const point = key.point.slice();
  point[64]! ^= 1; // y changed: no longer on the curve
  return { ...key, point, cryptoKey: undefined };
};

describe('a hand-made key whose point is off P-256', () => {
  it.each([
    ['off the curve', offCurve],
    ['64 bytes', () => ({ ...key, point: key.point.slice(1), cryptoKey: undefined })],
    ['compressed prefix', () => ({ ...key, point: Uint8Array.from([0x02, ...key.point.slice(1, 33)]), cryptoKey: undefined })],
  ])('%s: verifyCheckpointChain, auditPeriod and verifyEvidence throw ERR_KEY_INVALID naming it', async (_, make) => {
    const bad = make();
    const expected = { code: 'ERR_KEY_INVALID', field: 'keys[1]', message: `options.keys[1] (kid "${key.kid}") is not a point on P-256` };
    await expect(verifyCheckpointChain([checkpoint], { keys: [key, bad] })).rejects.toMatchObject(expected);
    await expect(auditPeriod([], { tenant_id: 'acme' } as never, { keys: [key, bad] } as never)).rejects.toMatchObject(expected);
    await expect(verifyEvidence(bundle, { keys: [key, bad] })).rejects.toMatchObject(expected);
  });

  it('the same key as importPublicKey made it still verifies', async () => {
    expect(await verifyCheckpointChain([checkpoint], { keys: [key] })).toMatchObject({ ok: true });
    expect(await verifyCheckpointChain([checkpoint], { keys: [{ ...key }] })).toMatchObject({ ok: true });
  });
});
