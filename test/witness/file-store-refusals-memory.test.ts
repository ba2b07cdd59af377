/**
 * The file store opens a folder without holding its kept refusals: refusals.ndjson is read line by line at start,
 * and only where each line is (and per kind, how many) is kept; a page reads its lines from the file. A witness
 * that has kept refusals for many logs over years starts in memory that does not follow the file's size (the
 * file read whole, as one string, took about 5 times its size in memory, and past 512 MiB could not be read).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { b64Encode } from '../../src/protocol/index.js';
import { MAX_REFUSALS_PER_ORIGIN, witnessFileStore, type Refusal, type RefusalKind } from '../../src/witness/node.js';
import { tempDir } from './store-factories.js';

const dir = tempDir('aegislog-refusals-memory-');

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
/** Heap in use once what nothing holds is collected. */
const heapHeld = () => (gc(), process.memoryUsage().heapUsed);

const kinds: RefusalKind[] = ['smaller-tree', 'same-size-other-root', 'inconsistent'];
/** A refusal with a long note (as a log's checkpoint with long extension lines gives, up to the body limit). */
const refusal = (i: number, origin: string, note: string): Refusal => ({
  origin, kind: kinds[i % 3]!, status: 422, reason: `r${i}`, request: `old 3\n\n${origin}\n${i}\nroot\n\n— ${origin} sig\n`, time: i,
  cosigned: { size: 3, root: new Uint8Array(32).fill(i % 256), note },
});
const line = (r: Refusal) => `${JSON.stringify({ ...r, cosigned: { ...r.cosigned, root: b64Encode(r.cosigned.root) } })}\n`;

describe('file store, many kept refusals', () => {
  it('opens holding none of their texts (memory far below the file size), and pages, appends and bounds them as before', async () => {
    const note = `log.example/a\n3\nroot\n\n${'— ext '.repeat(10_000)}\n`; // 60,000 characters, "—" above U+00FF
    const origins = ['log.example/a', 'log.example/b'];
    const all = Array.from({ length: 600 }, (_, i) => refusal(i, origins[i % 2]!, note));
    // And a log with as many of one kind as are kept.
    const full = Array.from({ length: MAX_REFUSALS_PER_ORIGIN }, (_, i) => refusal(3 * i, 'log.example/c', 'n\n'));
    const text = [...all, ...full].map(line).join('');
    await writeFile(join(dir(), 'refusals.ndjson'), text);
    expect(text.length).toBeGreaterThan(35_000_000);

    const before = heapHeld();
    const store = await witnessFileStore(dir());
    const held = heapHeld() - before;
    expect(held).toBeLessThan(4_000_000);

    const ofA = all.filter((r) => r.origin === 'log.example/a');
    expect(await store.refusals('log.example/a', 2, 10)).toEqual(ofA.slice(10, 12));
    expect(await store.refusals('log.example/b')).toEqual(all.filter((r) => r.origin === 'log.example/b'));
    // Kept once (its identity read from the file), bounded per kind as before, and appended where a page finds it.
    await store.update('log.example/a', () => ({ refusal: ofA[0]!, result: null }));
    const next = refusal(1000, 'log.example/a', 'short\n');
    await store.update('log.example/a', () => ({ refusal: next, result: null }));
    expect(await store.refusals('log.example/a', 1000, 299)).toEqual([ofA[299], next]);
    await store.update('log.example/c', () => ({ refusal: refusal(3 * MAX_REFUSALS_PER_ORIGIN, 'log.example/c', 'n\n'), result: null }));
    const other = refusal(1, 'log.example/c', 'n\n'); // another kind
    await store.update('log.example/c', () => ({ refusal: other, result: null }));
    expect(await store.refusals('log.example/c', 2, MAX_REFUSALS_PER_ORIGIN - 1)).toEqual([full.at(-1), other]);
    await store.close?.();
  });
});
