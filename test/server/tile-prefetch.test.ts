import { expect, test } from 'vitest';
import { tilePrefetch } from '../../src/server/tile-prefetch.js';

const full = (fill: number) => new Uint8Array(32 * 256).fill(fill);

test('keeps a full tile and its inner nodes under the tile that holds the leaf, beyond 2^31 leaves too, each taken once', () => {
  const kept = tilePrefetch();
  const leaf = 2 ** 31 + 300; // `leaf >> 8` would name a negative tile
  const index = Math.floor(leaf / 256);
  const inner = new Uint8Array(32 * 16).fill(9);
  kept.put('acme', leaf, full(1), inner);
  expect(kept.take('other', { level: 0, index, width: 256 })).toBeUndefined();
  expect(kept.take('acme', { level: 0, index, width: 256 })).toEqual(full(1));
  expect(kept.take('acme', { level: 64, index, width: 16 })).toEqual(inner);
  expect(kept.take('acme', { level: 0, index, width: 256 })).toBeUndefined();
});

test('keeps no partial tile (it still grows), and at most 256 tiles, the oldest going first', () => {
  const kept = tilePrefetch();
  kept.put('acme', 5, new Uint8Array(32 * 6), undefined);
  expect(kept.take('acme', { level: 0, index: 0, width: 6 })).toBeUndefined();
  for (let t = 0; t < 257; t++) kept.put('acme', t * 256, full(t % 256), undefined);
  expect(kept.take('acme', { level: 0, index: 0, width: 256 })).toBeUndefined();
  expect(kept.take('acme', { level: 0, index: 1, width: 256 })).toEqual(full(1));
  expect(kept.take('acme', { level: 0, index: 256, width: 256 })).toEqual(full(0));
});

test('records bring their tiles while half of the last 64 record reads were followed by a full level-0 tile asked of the store', () => {
  const kept = tilePrefetch();
  const reads = (n: number, asked = 0) => {
    const answers: boolean[] = [];
    for (let i = 0; i < n; i++) {
      answers.push(kept.wanted('acme'));
      // A proof asks the store for a full level-0 tile after some reads; upper, inner and partial tiles do not count.
      if (i < asked) kept.take('acme', { level: 0, index: i, width: 256 });
      kept.take('acme', { level: 1, index: 0, width: 256 });
      kept.take('acme', { level: 64, index: i, width: 16 });
      kept.take('acme', { level: 0, index: 9999, width: 12 });
    }
    return answers;
  };
  expect(reads(64, 32)).toEqual(Array(64).fill(true));
  // 32 of 64 needed one: still wanted. Then a window where 31 did: no longer, for the next 64.
  expect(reads(64, 31)).toEqual(Array(64).fill(true));
  expect(reads(64, 0)).toEqual(Array(64).fill(false));
  // Asked again while not brought (the tiles came from the file): wanted again from the next window.
  expect(reads(64, 0)).toEqual(Array(64).fill(false));
  expect(reads(64, 40)).toEqual(Array(64).fill(false));
  expect(reads(1)).toEqual([true]);
});

test('judged per log: a large log whose proofs ask for tiles keeps bringing them, a small one beside it stops', () => {
  const kept = tilePrefetch();
  const answers = { large: [] as boolean[], small: [] as boolean[] };
  // Interleaved, as a server with one log of 10^7 entries and one whose tiles its tile cache holds would see them.
  for (let i = 0; i < 3 * 64; i++) {
    answers.large.push(kept.wanted('large'));
    kept.take('large', { level: 0, index: i, width: 256 });
    answers.small.push(kept.wanted('small'));
  }
  expect(answers.large).toEqual(Array(3 * 64).fill(true));
  expect(answers.small).toEqual([...Array(64).fill(true), ...Array(2 * 64).fill(false)]);
  // A log read for the first time, or after 1,024 others were: brought, until its own window says otherwise.
  expect(kept.wanted('new')).toBe(true);
  for (let i = 0; i < 1024; i++) kept.wanted(`other-${i}`);
  expect(kept.wanted('small')).toBe(true);
  // A proof of a log with no record read (a seal) counts nowhere.
  kept.take('sealed-only', { level: 0, index: 0, width: 256 });
  expect(kept.wanted('sealed-only')).toBe(true);
});
