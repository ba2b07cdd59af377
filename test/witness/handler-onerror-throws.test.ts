// witnessHandler with an onError that throws (a logger that fails, a reporter given the wrong thing): the
// request's answer was lost with it, the handler's promise rejected instead of answering 503 (the store down,
// retry) or 500. The log server's onError is guarded so (guarded-on-error.ts, witness-onerror.test.ts):
// reporting failed, the answer goes out as if it had not.
import { describe, expect, it } from 'vitest';
import { AegisLogError, hexEncode, sha256 } from '../../src/protocol/index.js';
import { createWitness, memoryWitnessStore, witnessHandler, type WitnessStore } from '../../src/witness/index.js';
import { testLog, witnessKeys } from './helpers.js';

describe('a witness handler whose onError throws', () => {
  it('still answers: 503 with Retry-After for a store that is down, 500 for another failure', async () => {
    const log = await testLog('log.example/onerror', 4);
    const hash = hexEncode(sha256(new TextEncoder().encode(log.origin)));
    const { cosigners } = await witnessKeys();
    const throwing = () => {
      throw new Error('the logger is gone');
    };
    for (const [failure, status] of [
      [new AegisLogError('ERR_STORE_UNAVAILABLE', 'the database is restarting'), 503],
      [new Error('disk I/O error'), 500],
    ] as const) {
      const down = () => Promise.reject(failure);
      const store: WitnessStore = { ...memoryWitnessStore(), latest: down, update: down, refusals: down };
      const handler = witnessHandler(createWitness({ cosigners, logs: log.vkeys, store }), { onError: throwing });
      for (const request of [
        new Request('http://witness.test/add-checkpoint', { method: 'POST', body: await log.body(0, 4) }),
        new Request(`http://witness.test/${hash}/checkpoint`),
      ]) {
        const answer = await handler(request).then(
          (r) => r.status,
          (e: unknown) => `rejected: ${(e as Error).message}`,
        );
        expect(answer).toBe(status);
      }
    }
  });
});
