// newId (src/client/event.ts): the UUID v4 spells the CSPRNG bytes it draws, every byte value, with the
// version and variant bits set (RFC 9562 §5.4), across a refill of its 4 KiB pool. Its own module instance:
// the pool is module state, drawn here from a known pattern.
import { afterEach, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.restoreAllMocks();
  vi.resetModules();
});

/** The bytes of draw `n`: every value 0..255 appears at every offset of an id across one 4 KiB pool. */
const patterned = (n: number) => (array: Uint8Array) => {
  for (let i = 0; i < array.length; i++) array[i] = (i * 17 + n * 101 + (i >> 4)) & 255;
  return array;
};

/** The id RFC 9562 spells for 16 bytes, written the plain way (Node's hex), after setting version and variant. */
function expected(bytes: Uint8Array): string {
  const b = Uint8Array.from(bytes);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = Buffer.from(b).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

it('spells each drawn byte as two hex digits in the 8-4-4-4-12 form, version 4 and variant 10, across pool refills', async () => {
  let draws = 0;
  vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation(((array: Uint8Array) => patterned(draws++)(array)) as never);
  const { newId } = await import('../../src/client/event.js');
  const ids = Array.from({ length: 600 }, () => newId()); // 256 ids a pool: three draws
  expect(draws).toBe(3);
  for (let n = 0; n < 600; n++) {
    const pool = patterned(Math.floor(n / 256))(new Uint8Array(4096));
    const at = 16 * (n % 256);
    expect(ids[n]).toBe(expected(pool.subarray(at, at + 16)));
  }
  // Every byte value was spelled at a place no version or variant bit touches.
  const seen = new Set(ids.map((id) => id.slice(0, 2)));
  expect(seen.size).toBe(256);
});
