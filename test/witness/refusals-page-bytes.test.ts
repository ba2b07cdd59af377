/**
 * A page of kept refusals is counted in refusals (up to 1,000), not bytes, and a refusal keeps two notes of up to
 * a million characters each (near-limit.test.ts keeps such ones): a full page of them is gigabytes. The handler
 * sends a page as it reads it, a few refusals at a time, so that any page it names can be read: built whole, it
 * passed the longest string V8 makes, and every GET of the page was a 500, the evidence unreadable there.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { hexEncode, sha256 } from '../../src/protocol/index.js';
import { createWitness, memoryWitnessStore, witnessHandler, type Refusal, type Witness } from '../../src/witness/index.js';
import { testLog, witnessKeys, type TestLog } from './helpers.js';

let log: TestLog;
beforeAll(async () => void (log = await testLog('log.example/page-bytes', 4)));

const KEPT = 1000;

describe('GET refusals, a page of long refusals', () => {
  it('serves a full page whose NDJSON is longer than a string can be, line by line, with its Link', async () => {
    const real = createWitness({ cosigners: (await witnessKeys()).cosigners, logs: log.vkeys, store: memoryWitnessStore() });
    // 1,000 kept refusals, each with a request and a cosigned note of 300,000 characters (one text, shared).
    const long: Refusal = {
      origin: log.origin, kind: 'smaller-tree', status: 409, reason: 'r', time: 1, request: `old 9\n\n${'x'.repeat(300_000)}\n`,
      cosigned: { size: 9, root: new Uint8Array(32), note: `${'y'.repeat(300_000)}\n` },
    };
    const witness: Witness = {
      ...real,
      async refusals(originHash, page = {}) {
        if ((await real.refusals(originHash, page)) === undefined) return undefined; // its checks of the page
        const { limit = KEPT, after = 0 } = page;
        return Array<Refusal>(Math.max(0, Math.min(limit, KEPT + 1 - after))).fill(long);
      },
    };
    const errors: unknown[] = [];
    const handler = witnessHandler(witness, { onError: (e) => errors.push(e) });
    const res = await handler(new Request(`http://witness.test/${hexEncode(sha256(new TextEncoder().encode(log.origin)))}/refusals`));
    expect([res.status, errors.map(String)]).toEqual([200, []]);
    expect(res.headers.get('link')).toMatch(/\?after=1000&limit=1000>; rel="next"$/);
    // Read as it comes, counting lines and bytes; holding it whole is what cannot be done.
    const reader = res.body!.getReader();
    let [lines, bytes, firstLine] = [0, 0, ''];
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      bytes += chunk.value.byteLength;
      for (const b of chunk.value) if (b === 0x0a) lines++;
      if (firstLine === '') firstLine = new TextDecoder().decode(chunk.value.subarray(0, chunk.value.indexOf(0x0a)));
    }
    expect(lines).toBe(KEPT);
    expect(bytes).toBeGreaterThan(2 ** 29);
    expect(JSON.parse(firstLine)).toMatchObject({ origin: log.origin, kind: 'smaller-tree', request: long.request, cosigned: { note: long.cosigned.note } });
  }, 120_000);
});
