// dist/browser/aegislog-verify.js is the "aegislog/verify" entry for pages without a bundler:
// its source lists the entry's values by name, and must list every one of them, no more.
import { expect, test } from 'vitest';
import * as browser from '../../src/browser/verify.js';
import * as entry from '../../src/verify/index.js';

test('the browser build of aegislog/verify exports exactly the entry\'s values', () => {
  expect(Object.keys(browser).sort()).toEqual(Object.keys(entry).sort());
  for (const name of Object.keys(entry)) expect(browser[name as keyof typeof browser], name).toBe(entry[name as keyof typeof entry]);
});
