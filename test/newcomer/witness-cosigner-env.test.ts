// docs/witness.md, "In code": `cosigners: [await cosigner(process.env.WITNESS_KEY!)]`. With WITNESS_KEY not
// set (a secret not mounted, a variable not exported) that is cosigner(undefined), which threw a TypeError
// ("reading 'type'") naming nothing, where an empty WITNESS_KEY is ERR_VKEY_INVALID naming skey.
import { describe, expect, it } from 'vitest';
import { cosigner } from '../../src/witness/index.js';

describe('cosigner of a key that is not there', () => {
  it.each([
    ['undefined (WITNESS_KEY not set)', undefined],
    ['null', null],
    ['a number', 42],
    ['empty text (WITNESS_KEY set to nothing), as before', ''],
  ])('%s: ERR_VKEY_INVALID naming skey', async (_what, key) => {
    await expect(cosigner(key as never)).rejects.toMatchObject({ name: 'AegisLogError', code: 'ERR_VKEY_INVALID', field: 'skey', message: 'a signer key starts with PRIVATE+KEY+' });
  });
});
