// parseTilePath is public (aegislog/verify, the browser entry): a path that is not a string is refused as any
// bad path is, ERR_TILE_INVALID naming the field, as parseNote and parseVkey refuse a non-string.
import { describe, expect, it } from 'vitest';
import { parseTilePath } from '../../src/tlog/tiles.js';

describe('parseTilePath of what is not a string', () => {
  for (const value of [undefined, null, 5, {}, ['tile/0/000']]) {
    it(`refuses ${JSON.stringify(value) ?? 'undefined'} with ERR_TILE_INVALID, not a TypeError`, () => {
      expect(() => parseTilePath(value as unknown as string)).toThrow(expect.objectContaining({ code: 'ERR_TILE_INVALID', field: 'path' }));
    });
  }
});
