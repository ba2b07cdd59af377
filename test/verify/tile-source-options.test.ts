// fetchTileSource with null options (a JavaScript caller's "no options", as importPublicKey and the audits take them)
// threw a raw TypeError reading options.fetch; a fetch option that is no function failed only at the first tile, as
// a network error ("cannot fetch …: get is not a function"), and a missing prefix fetched from "undefined/tile/…".
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchTileSource } from '../../src/verify/index.js';

let server: Server;
let base: string;
beforeAll(async () => {
  // Any tile: 32 × width bytes of zeros. Only whether a read gets through matters here.
  server = createServer((req, res) => {
    const width = /\.p\/(\d+)$/.exec(req.url ?? '')?.[1];
    res.end(Buffer.alloc(32 * (width ? Number(width) : 256)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}/log`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('fetchTileSource options', () => {
  it('reads null options as none', async () => {
    const source = fetchTileSource(base, null as never);
    const [tile] = await source.read([{ level: 0, index: 0, width: 3 }]);
    expect(tile).toHaveLength(96);
  });

  it.each([42, 'fetch', {}])('refuses a fetch option %j that is no function, with ERR_CONFIG', (fetch) => {
    expect(() => fetchTileSource(base, { fetch: fetch as never })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'fetch' }));
  });

  it.each([undefined, null, 42, {}])('refuses a prefix %j that is neither text nor a URL, with ERR_CONFIG', (prefix) => {
    expect(() => fetchTileSource(prefix as never)).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'prefix' }));
  });
});
