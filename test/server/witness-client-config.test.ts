// createWitnessClient's `witnesses` (createServer's option, a Worker's config): each entry's url is checked
// inside a try that turns a bad one into ERR_CONFIG naming witnesses[i]; but a url that is no string yet
// parses (a URL object, as fetch takes one) passed that check and then threw a raw TypeError
// ("w.url.replace is not a function") that named nothing.
import { expect, test } from 'vitest';
import { AegisLogError } from '../../src/protocol/index.js';
import type { Store } from '../../src/server/index.js';
import { createWitnessClient } from '../../src/server/witness-client.js';

const vkey = 'witness.alpha.example/w1+bccebae6+BFseEqZP3HM8g5cthRJylNZDmuqPtZFtav2h5fRgZx9f'; // from the v2 vectors

test.each([
  ['a URL object', new URL('https://witness.alpha.example/w1')],
  ['a number', 8788],
  ['missing', undefined],
])('a witness url that is %s is refused as ERR_CONFIG naming witnesses[0]', (_what, url) => {
  const make = () =>
    createWitnessClient({ store: {} as Store, witnesses: [{ url: url as unknown as string, vkey }], logVkeys: async () => [], origin: 'o.example/log', rootTiles: {} as never });
  expect(make).toThrow(AegisLogError);
  expect(make).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'witnesses[0]' }));
});
