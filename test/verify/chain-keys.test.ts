// verifyCheckpointChain without usable keys: the caller's mistake, which every other verifier throws as
// ERR_KEY_INVALID naming `keys`; the chain verifier reported it as a break of the checkpoints (a TypeError's
// text for a missing key), or threw a bare TypeError without options.
import { beforeAll, describe, expect, it } from 'vitest';
import type { CheckpointV1 } from '../../src/protocol/index.js';
import { auditPeriod, importPublicKey, verifyCheckpointChain, type VerifyKey } from '../../src/verify/index.js';
import { makeSigner, sealPeriod } from './helpers/seal.js';

let key: VerifyKey;
let checkpoint: CheckpointV1;

beforeAll(async () => {
  const signer = await makeSigner('k-1');
  key = (await importPublicKey(signer.publicKey, { kid: signer.kid })) as VerifyKey;
  checkpoint = (await sealPeriod(signer, { acme: 2 })).bundles.get('acme')![0]!.checkpoint!;
});

describe('verifyCheckpointChain without usable keys', () => {
  it.each([
    ['no keys member', {}],
    ['keys undefined', { keys: undefined }],
    ['an empty list', { keys: [] }],
    ['a null in the list', { keys: [null] }],
    ['a string', { keys: 'x' }],
    ['no options at all', undefined],
  ])('%s: throws ERR_KEY_INVALID naming keys, as auditPeriod does', async (_, options) => {
    await expect(verifyCheckpointChain([checkpoint], options as never)).rejects.toMatchObject({ code: 'ERR_KEY_INVALID', field: 'keys' });
    await expect(auditPeriod([], { tenant_id: 'acme' } as never, (options ?? {}) as never)).rejects.toMatchObject({ code: 'ERR_KEY_INVALID', field: 'keys' });
  });

  it('with its key, the chain holds', async () => {
    expect(await verifyCheckpointChain([checkpoint], { keys: key })).toMatchObject({ ok: true, length: 1 });
  });
});
