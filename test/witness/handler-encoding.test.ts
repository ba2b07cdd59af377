// A compressed add-checkpoint body (Content-Encoding: gzip) was read as text and refused 400 "not valid UTF-8",
// where the log server and the relay answer 415 naming Content-Encoding: a submitter that compresses by default
// is told what to change. C2SP submitters send plain text; one that compresses gets the same words everywhere.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createWitness, memoryWitnessStore, witnessHandler } from '../../src/witness/index.js';
import { testLog, witnessKeys } from './helpers.js';

describe('add-checkpoint with a compressed body', () => {
  it('is answered 415 naming Content-Encoding; the same body uncompressed is cosigned', async () => {
    const log = await testLog('log.example/encoding', 4);
    const handler = witnessHandler(createWitness({ cosigners: (await witnessKeys()).cosigners, logs: log.vkeys, store: memoryWitnessStore() }));
    const body = await log.body(0, 4);
    const zipped = await handler(new Request('http://witness.test/add-checkpoint', { method: 'POST', headers: { 'content-encoding': 'gzip' }, body: gzipSync(body) }));
    expect(zipped.status).toBe(415);
    expect(await zipped.text()).toBe('Content-Encoding gzip is not accepted here: send the body uncompressed\n');
    const plain = await handler(new Request('http://witness.test/add-checkpoint', { method: 'POST', headers: { 'content-encoding': 'identity' }, body }));
    expect(plain.status).toBe(200);
  });
});
