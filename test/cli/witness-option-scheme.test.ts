// `--witness URL=VKEY` (aegislog dev, aegislog serve) and the server's `witnesses` option: a witness is
// named by a schemeless URL (witness.example.com/w1), so `--witness witness.example.com:8443/w=VKEY` is an
// easy slip. WHATWG URL reads "witness.example.com:" as a scheme: taken, every submission then failed
// (fetch knows no such scheme), retried forever, and the printed policy named an address nobody can reach.
import { expect, test } from 'vitest';
import { main } from '../../src/cli/main.js';
import { witnessOption } from '../../src/cli/dev-witness.js';
import { UsageError } from '../../src/cli/command.js';
import type { Store } from '../../src/server/index.js';
import { createWitnessClient } from '../../src/server/witness-client.js';
import { AegisLogError } from '../../src/protocol/index.js';

const vkey = 'witness.alpha.example/w1+bccebae6+BFseEqZP3HM8g5cthRJylNZDmuqPtZFtav2h5fRgZx9f'; // from the v2 vectors

test('--witness with a URL that is not http(s) is a usage error naming the option', () => {
  for (const url of ['localhost:8788', 'witness.alpha.example:8443/w1', 'ftp://w.example/w1']) {
    expect(() => witnessOption(`${url}=${vkey}`), url).toThrow(UsageError);
    expect(() => witnessOption(`${url}=${vkey}`), url).toThrow(/--witness .*URL=VKEY/);
  }
  expect(witnessOption(`http://127.0.0.1:8788=${vkey}`)).toEqual({ url: 'http://127.0.0.1:8788', vkey });
  expect(witnessOption(`HTTPS://w.example/w1=${vkey}`)).toEqual({ url: 'HTTPS://w.example/w1', vkey });
});

test('aegislog serve --witness localhost:8788=VKEY exits 2 before it reads any file', async () => {
  const err: string[] = [];
  const code = await main(
    ['serve', '--database-url', 'postgres://127.0.0.1:1/none', '--signing-key', '/nonexistent/k', '--note-key', '/nonexistent/n', '--keys', '/nonexistent/keys', '--origin', 'o.example/log', '--witness', `localhost:8788=${vkey}`],
    { out: () => {}, err: (l) => void err.push(l) },
  );
  expect(code).toBe(2);
  expect(err.join('\n')).toMatch(/^aegislog serve: --witness localhost:8788=/);
});

test('createWitnessClient refuses a witness url that is not http(s) (ERR_CONFIG naming the witness)', () => {
  const make = (url: string) => () =>
    createWitnessClient({ store: {} as Store, witnesses: [{ url, vkey }], logVkeys: async () => [], origin: 'o.example/log', rootTiles: { tile: async () => new Uint8Array() } as never });
  expect(make('witness.alpha.example:8443/w1')).toThrow(AegisLogError);
  expect(make('witness.alpha.example:8443/w1')).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'witnesses[0]' }));
  expect(make('https://witness.alpha.example/w1')).not.toThrow();
});
