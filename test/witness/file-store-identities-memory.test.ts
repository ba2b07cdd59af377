/**
 * The file store reads an origin's kept identities (store.ts: each refusal kept once) from refusals.ndjson on
 * the first refusal of the origin since start. A kept refusal holds a request and a cosigned note of up to a
 * million characters each, 3,000 of them per log: read all at once, that first refusal (anybody can send one:
 * an old checkpoint of the log, replayed) made the witness hold all of them, gigabytes. Read a few at a time.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { b64Encode } from '../../src/protocol/index.js';
import { witnessFileStore, type Refusal } from '../../src/witness/node.js';
import { tempDir } from './store-factories.js';

const dir = tempDir('aegislog-identities-memory-');

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
/** Heap in use once what nothing holds is collected. */
const heapHeld = () => (gc(), process.memoryUsage().heapUsed);

const origin = 'log.example/identities';
const refusal = (i: number, note: string): Refusal => ({
  origin, kind: 'smaller-tree', status: 409, reason: `r${i}`, request: `old 3\n\n${origin}\n${i}\nroot\n\n— ${origin} sig\n`, time: i,
  cosigned: { size: 3, root: new Uint8Array(32), note },
});
const line = (r: Refusal) => `${JSON.stringify({ ...r, cosigned: { ...r.cosigned, root: b64Encode(r.cosigned.root) } })}\n`;

describe('file store, the first refusal of a log since start', () => {
  it('reads the identities kept without holding the kept refusals, and still keeps each once', async () => {
    const long = `${'x'.repeat(200_000)}\n`;
    const kept = Array.from({ length: 300 }, (_, i) => refusal(i, long)); // 60 MB of refusals.ndjson
    await writeFile(join(dir(), 'refusals.ndjson'), kept.map(line).join(''));
    const store = await witnessFileStore(dir());

    // What the heap holds, looked at each turn of the event loop while the update reads the file.
    const before = heapHeld();
    let [peak, done] = [0, false];
    const look = () => {
      if (done) return;
      peak = Math.max(peak, heapHeld() - before);
      setImmediate(look);
    };
    setImmediate(look);
    await store.update(origin, () => ({ refusal: kept[7]!, result: null })); // kept already: not again
    await store.update(origin, () => ({ refusal: refusal(300, 'n\n'), result: null }));
    done = true;

    expect(peak).toBeLessThan(20_000_000);
    expect((await store.refusals(origin, 5, 298)).map((r) => r.reason)).toEqual(['r298', 'r299', 'r300']);
    await store.close?.();
  }, 60_000);
});
