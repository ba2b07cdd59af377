// A witness whose store is unavailable (a database restarting, a checkpoint rewritten under it three times)
// answers 503 with Retry-After, as the log server answers ERR_STORE_UNAVAILABLE: the submitter retries.
import { describe, expect, it } from 'vitest';
import { AegisLogError, hexEncode, sha256 } from '../../src/protocol/index.js';
import { createWitness, memoryWitnessStore, witnessHandler, type WitnessStore } from '../../src/witness/index.js';
import { testLog, witnessKeys } from './helpers.js';

describe('a witness whose store is unavailable', () => {
  it('answers 503 with Retry-After, not 500, on add-checkpoint and on monitoring', async () => {
    const log = await testLog('log.example/unavailable', 4);
    const down = () => Promise.reject(new AegisLogError('ERR_STORE_UNAVAILABLE', 'the database is restarting'));
    const store: WitnessStore = { ...memoryWitnessStore(), latest: down, update: down, refusals: down };
    const errors: unknown[] = [];
    const handler = witnessHandler(createWitness({ cosigners: (await witnessKeys()).cosigners, logs: log.vkeys, store }), { onError: (e) => errors.push(e) });
    const hash = hexEncode(sha256(new TextEncoder().encode(log.origin)));
    const answers = [
      await handler(new Request('http://witness.test/add-checkpoint', { method: 'POST', body: await log.body(0, 4) })),
      await handler(new Request(`http://witness.test/${hash}/checkpoint`)),
      await handler(new Request(`http://witness.test/${hash}/refusals`)),
    ];
    for (const answer of answers) {
      expect({ status: answer.status, retry: answer.headers.get('retry-after') }).toEqual({ status: 503, retry: '1' });
      expect(await answer.text()).toBe('the witness store is unavailable; retry later\n');
    }
    expect(errors).toHaveLength(3);
  });
});
