// localSigner({ dir }) and loadOrCreateNoteKey(dir, origin) given a dir that is no path (an empty setting, a
// number from a JSON config): node's own ENOENT ("mkdir ''") or ERR_INVALID_ARG_TYPE came out, not the
// library's refusal naming the option, as witnessFileStore(dir) and witnessSqliteStore(path) refuse theirs.
import { expect, test } from 'vitest';
import { AegisLogError } from '../../src/protocol/index.js';
import { loadOrCreateNoteKey, localSigner } from '../../src/server/node.js';

test.each([
  ['an empty path', ''],
  ['a number', 42],
  ['null', null],
])('a dir that is %s is refused as ERR_CONFIG naming dir, by localSigner and loadOrCreateNoteKey', async (_what, dir) => {
  for (const [name, make] of [
    ['localSigner', () => localSigner({ dir: dir as string })],
    ['loadOrCreateNoteKey', () => loadOrCreateNoteKey(dir as string, 'log.example/a')],
  ] as const) {
    const error = await (make as () => Promise<unknown>)().then(
      () => 'made',
      (e: unknown) => e,
    );
    expect(error, name).toBeInstanceOf(AegisLogError);
    expect(error, name).toMatchObject({ code: 'ERR_CONFIG', field: 'dir' });
  }
});
