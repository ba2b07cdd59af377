import { expect, test } from 'vitest';
import { durableObjectStore } from '../../src/server/durable-object-store.js';

// A Worker whose binding is misnamed (env.ROOT for env.ROOTS) made a store that failed at its first call with a
// TypeError of its own ("object is not a function"), or at once reading `root` of undefined; postgresStore and
// sqliteStore refuse a bad option as ERR_CONFIG naming it.
test.each([
  [undefined, 'root'],
  [{}, 'root'],
  [{ root: () => ({}) }, 'tenant'],
  [{ root: 'ROOTS', tenant: () => ({}) }, 'root'],
])('durableObjectStore(%j) is refused with ERR_CONFIG naming %s', (options, field) => {
  expect(() => durableObjectStore(options as never)).toThrow(expect.objectContaining({ name: 'AegisLogError', code: 'ERR_CONFIG', field }));
});
