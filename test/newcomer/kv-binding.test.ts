// docs/edge.md and docs/deploy.md: the Worker makes its queue with `kvQueue(env.AEGISLOG_QUEUE)`, the KV
// namespace its wrangler.json binds. A binding left out, or named otherwise (the namespace bound as
// QUEUE), makes that `undefined`: docs/errors.md has every error the library throws be an AegisLogError,
// and a bad option ERR_CONFIG naming it, not a TypeError out of the Worker's fetch.
import { describe, expect, it } from 'vitest';
import { kvQueue } from '../../src/index.js';

describe('kvQueue with no store', () => {
  it.each([
    ['undefined (a binding the Worker does not have)', undefined],
    ['null', null],
    ['a string (a KV namespace id given in its place)', 'REPLACE_WITH_KV_NAMESPACE_ID'],
  ])('%s: ERR_CONFIG naming store', (_what, given) => {
    const make = () => kvQueue(given as never);
    expect(make).toThrow(expect.objectContaining({ name: 'AegisLogError', code: 'ERR_CONFIG', field: 'store' }));
    expect(make).toThrow(/binding/);
  });
});
