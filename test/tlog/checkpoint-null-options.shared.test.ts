// parseCheckpoint is public. With null options (no options, as importPublicKey and canonicalize read them) a
// checkpoint with an extension line threw a raw TypeError reading `extensions` of null, instead of being
// refused as PROTOCOL.md §4.4 has it, with ERR_CHECKPOINT_INVALID naming the extensions.
import { describe, expect, it } from 'vitest';
import { parseCheckpoint } from '../../src/tlog/checkpoint.js';

const root = `${'A'.repeat(43)}=`;

describe('parseCheckpoint with null options', () => {
  it('refuses an extension line as with no options', () => {
    expect(() => parseCheckpoint(`log.example\n1\n${root}\next\n`, null as never)).toThrow(expect.objectContaining({ code: 'ERR_CHECKPOINT_INVALID', field: 'extensions' }));
  });
  it('reads a checkpoint without extensions', () => {
    expect(parseCheckpoint(`log.example\n1\n${root}\n`, null as never)).toMatchObject({ origin: 'log.example', size: 1, extensions: [] });
  });
});
