import { describe, expect, test } from 'vitest';
import { leafHash } from '../../src/tlog/merkle.js';
import { JsTreeBuilder, createTreeBuilder, popCount } from '../../src/tlog/tree-builder.js';

const hash = (i: number) => Uint8Array.from({ length: 32 }, (_, j) => (i * 37 + j * 11) & 0xff);

/**
 * A builder resumed from the frontier of a huge log (an audit from a frontier, PROTOCOL.md §5) must merge as
 * RFC 9162 does where the count crosses a multiple of 2^32 (and, a batch of 1,024 at a time, of 2^42), as
 * JsTreeBuilder does in plain numbers: the WebAssembly one sees counts as 32-bit integers.
 */
describe('a tree builder resumed at a huge size', () => {
  test.each([2 ** 32 - 1, 3 * 2 ** 32 - 1, 2 ** 33 - 5, 2 ** 42 - 1024, 2 ** 43 - 1024, 2 ** 52 - 1, 2 ** 53 - 2000])('from %i', (size) => {
    const frontier = Array.from({ length: popCount(size) }, (_, i) => hash(i));
    const count = Math.min(2000, Number.MAX_SAFE_INTEGER - size);
    const js = new JsTreeBuilder({ size, frontier });
    const built = createTreeBuilder({ size, frontier });
    const one = createTreeBuilder({ size, frontier });
    const jsOne = new JsTreeBuilder({ size, frontier });
    for (let i = 0; i < count; i++) {
      js.add32(hash(1000 + i));
      built.add32(hash(1000 + i));
      one.addLeafHash(leafHash(hash(1000 + i)));
      jsOne.addLeafHash(leafHash(hash(1000 + i)));
    }
    expect(built.size).toBe(size + count);
    expect(built.root()).toEqual(js.root());
    expect(built.frontier()).toEqual(js.frontier());
    expect(one.root()).toEqual(jsOne.root());
    expect(one.root()).toEqual(js.root());
  });
});
