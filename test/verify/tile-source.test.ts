// fetchTileSource: proofs for a client that holds only a log's URL. Over real HTTP on
// 127.0.0.1: a static copy of our own vectors' tiles (one partial tile deleted, as a log
// may once the full tile exists), and the reference server's own root and tenant tiles.
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCommand } from '../../src/cli/verify.js';
import { b64Decode, b64uEncode } from '../../src/protocol/index.js';
import { createServer as createLogServer, listen, localSigner, sqliteStore, type NodeServerHandle } from '../../src/server/node.js';
import {
  consistencyFromTiles, fetchTileSource, inclusionFromTiles, parsePolicy, rootFromTiles, verifyConsistency, verifyEvidence,
  type EvidenceBundle,
} from '../../src/verify/index.js';
import { fakeIO } from '../cli/fake-io.js';

const OWN = join(import.meta.dirname, '../vectors/aegislog-v2-own');
const own = async (path: string) => readFile(join(OWN, path), 'utf8');

describe('fetchTileSource over a static copy of the tiles', () => {
  let server: Server;
  let base: string;
  const requests: string[] = [];
  let tiles: Record<string, Record<string, string>>;

  beforeAll(async () => {
    tiles = JSON.parse(await own('tiles.json'));
    server = createServer((req, res) => {
      requests.push(req.url!);
      const [, log, ...rest] = req.url!.split('/');
      const path = rest.join('/');
      // The root log's partial tile of width 2 is gone; its "full" tile begins with the same hashes (the rest is filler).
      if (log === 'root' && path === 'tile/0/000.p/2') return void res.writeHead(404).end();
      if (log === 'root' && path === 'tile/0/000') return void res.writeHead(200).end(Buffer.concat([b64Decode(tiles.root!['tile/0/000.p/6']!), Buffer.alloc(32 * 250, 7)]));
      if (log === 'short') return void res.writeHead(200).end(Buffer.alloc(10));
      const text = tiles[log!]?.[path];
      if (text === undefined) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.from(b64Decode(text)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('reads roots and proofs equal to the vectors, caching each tile', async () => {
    const inter = JSON.parse(await own('intermediates.json'));
    const alpha = fetchTileSource(`${base}/alpha/`);
    for (const h of inter.tenants.alpha.heads) expect(b64uEncode(await rootFromTiles(h.head.tree_size, alpha))).toBe(h.head.root_b64url);
    const bundle = JSON.parse(await own('bundles/alpha-leaf256.json')) as EvidenceBundle;
    expect((await inclusionFromTiles(256, bundle.tenant_head!.tree_size, alpha)).map(b64uEncode)).toEqual(bundle.inclusion!.path_b64url);
    const before = requests.length;
    await inclusionFromTiles(256, bundle.tenant_head!.tree_size, alpha);
    expect(requests.length).toBe(before); // immutable tiles: read once
  });

  it('a partial tile that is gone is read from its full tile', async () => {
    const root = fetchTileSource(`${base}/root`);
    const inter = JSON.parse(await own('intermediates.json'));
    const first = inter.root_log.checkpoints[0];
    expect(first.size).toBe(2);
    expect(b64uEncode(await rootFromTiles(2, root))).toBe(first.root_b64url);
    expect(requests).toContain('/root/tile/0/000.p/2');
    expect(requests).toContain('/root/tile/0/000');
  });

  it('verifyEvidence reads a missing consistency proof from the root tiles', async () => {
    const bundle = JSON.parse(await own('bundles/beta-leaf3-consistency.json')) as EvidenceBundle;
    const { consistency: _, ...bare } = bundle;
    const inter = JSON.parse(await own('intermediates.json'));
    const earlier = inter.root_log.checkpoints[1];
    const report = await verifyEvidence(bare, { policy: parsePolicy(await own('policy-2of3.txt')), trusted: earlier.note, rootTiles: fetchTileSource(`${base}/root`) });
    expect(report.checks.consistency).toEqual({ status: 'passed', ok: true });
  });

  it('aegislog verify --trusted --tiles: the consistency proof a bundle lacks is read from the log\'s tiles', async () => {
    const bundle = JSON.parse(await own('bundles/beta-leaf3-consistency.json')) as EvidenceBundle;
    const { consistency: _, ...bare } = bundle;
    const inter = JSON.parse(await own('intermediates.json'));
    const dir = await mkdtemp(join(tmpdir(), 'aegislog-cli-tiles-'));
    try {
      const bundleFile = join(dir, 'bare.json');
      const trustedFile = join(dir, 'trusted.note');
      await writeFile(bundleFile, JSON.stringify(bare));
      await writeFile(trustedFile, inter.root_log.checkpoints[1].note);
      const common = [bundleFile, '--policy', join(OWN, 'policy-2of3.txt'), '--now', new Date(Date.parse(JSON.parse(await own('manifest.json')).now)).toISOString()];
      const run = async (...args: string[]) => {
        const io = fakeIO();
        return { code: await verifyCommand.run([...common, ...args], io), out: io.stdout, err: io.stderr };
      };
      const read = await run('--trusted', trustedFile, '--tiles', `${base}/root`);
      expect(read.out).toContain('✓ consistency');
      expect(read.code).toBe(0);
      // Asked for, the fork check cannot be left out: without a proof to read, the bundle is not proven (exit 1).
      const unread = await run('--trusted', trustedFile);
      expect(unread.code).toBe(1);
      expect(unread.out).toContain(
        '– consistency: skipped, the bundle carries no consistency proof, and no root log tiles were given to read one from: fetch the bundle with from_size=4 (GET /evidence/{event_id}?tenant_id=…&from_size=4), or give the root log\'s tiles (rootTiles, --tiles URL)',
      );
      expect(unread.out.at(-1)).toMatch(/^✗ sealed evidence \S+: not proven \(a check it needs was skipped\)$/);
      for (const [args, message] of [
        [['--tiles', `${base}/root`], '--tiles: only the consistency check reads tiles; give --trusted FILE with it'],
        [['--trusted', trustedFile, '--tiles', 'log.example'], '--tiles log.example: not a URL'],
        [['--trusted', trustedFile, '--tiles', 'file:///tmp/tiles'], '--tiles file:///tmp/tiles: not an http(s) URL'],
      ] as const) {
        const refused = await run(...args);
        expect(refused.code).toBe(2);
        expect(refused.err).toEqual([`aegislog verify: ${message}`]);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a tile that is not there, or of the wrong length, is an error naming its URL', async () => {
    // The partial tile first, then (gone) its full tile: the error names the last one tried.
    await expect(rootFromTiles(7, fetchTileSource(`${base}/nowhere`))).rejects.toThrow(/\/nowhere\/tile\/0\/000 answered 404/);
    await expect(rootFromTiles(2, fetchTileSource(`${base}/short`))).rejects.toThrow(/\/short\/tile\/0\/000\.p\/2 has 10 bytes, not 64/);
    await expect(rootFromTiles(2, fetchTileSource('http://127.0.0.1:1'))).rejects.toThrow(/cannot fetch/);
  });
});

describe('fetchTileSource\'s cache', () => {
  it('a cacheSize that is not a whole number ≥ 0 is refused (NaN would never evict)', () => {
    for (const cacheSize of [Number.NaN, -1, 2.5, '256' as never]) {
      expect(() => fetchTileSource('http://tiles.test', { cacheSize })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'cacheSize' }));
    }
  });

  it('a failed load that was evicted meanwhile does not drop the newer load of its tile', async () => {
    const [a, b] = [{ level: 0, index: 0, width: 256 }, { level: 0, index: 1, width: 256 }];
    const fetched: string[] = [];
    let failFirst!: (error: Error) => void;
    const stub = (async (input: RequestInfo | URL) => {
      fetched.push(String(input));
      // The first read of tile A hangs until the test fails it; every other read answers a full tile.
      if (fetched.length === 1) await new Promise((_, reject) => (failFirst = reject));
      return new Response(new Uint8Array(8192));
    }) as typeof fetch;
    const tiles = fetchTileSource('http://tiles.test', { fetch: stub, cacheSize: 1 });
    const first = tiles.read([a]);
    await tiles.read([b]); // evicts the pending load of A
    await tiles.read([a]); // a second load of A, which succeeds and is cached
    failFirst(new Error('connection reset'));
    await expect(first).rejects.toThrow(/connection reset/);
    await tiles.read([a]);
    expect(fetched).toEqual(['http://tiles.test/tile/0/000', 'http://tiles.test/tile/0/001', 'http://tiles.test/tile/0/000']);
  });
});

describe('fetchTileSource against the reference server', () => {
  let dir: string;
  let http: NodeServerHandle;
  let close: (() => Promise<void>) | undefined;
  const read = `ak_read_${'r'.repeat(24)}`;
  const admin = `ak_admin_${'a'.repeat(24)}`;
  const ingest = `ak_ingest_${'i'.repeat(24)}`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aegislog-tiles-'));
    const store = await sqliteStore(join(dir, 'log.db'));
    const server = createLogServer({
      signer: await localSigner(), store, origin: 'tiles.aegislog.test/log',
      keys: [{ key: ingest, tenant_id: 't1', scope: 'ingest' }, { key: read, tenant_id: 't1', scope: 'read' }, { key: admin, tenant_id: '*', scope: 'admin' }],
    });
    await server.ready;
    http = await listen(server, { port: 0 });
    close = async () => {
      await http.close();
      await store.close();
    };
    for (let round = 0; round < 3; round++) {
      const events = Array.from({ length: 300 }, (_, i) => ({ event_type: 'x', event_id: `r${round}-${i}`, tenant_id: 't1' }));
      const r = await fetch(`${http.url}/ingest/batch`, { method: 'POST', headers: { 'x-api-key': ingest, 'content-type': 'application/json' }, body: JSON.stringify({ events }) });
      expect(r.status).toBe(200);
      expect((await fetch(`${http.url}/admin/seal`, { method: 'POST', headers: { 'x-api-key': admin } })).status).toBe(200);
    }
  }, 60_000);
  afterAll(async () => {
    try {
      await close?.();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the root log: consistency proofs from the public tiles equal /proof/consistency and verify', async () => {
    const history = (await (await fetch(`${http.url}/checkpoints`)).json()) as { checkpoints: { tree_size: number; note: string }[] };
    const sizes = history.checkpoints.map((c) => c.tree_size);
    const tiles = fetchTileSource(http.url);
    const [m, n] = [sizes[0]!, sizes.at(-1)!];
    const fromTiles = await consistencyFromTiles(m, n, tiles);
    const served = (await (await fetch(`${http.url}/proof/consistency?from=${m}&to=${n}`)).json()) as { path_b64url: string[] };
    expect(fromTiles.map(b64uEncode)).toEqual(served.path_b64url);
    const roots = await Promise.all([m, n].map((size) => rootFromTiles(size, tiles)));
    expect(verifyConsistency({ size1: m, size2: n, root1: roots[0]!, root2: roots[1]!, proof: fromTiles })).toBe(true);
  });

  it('a tenant log (read scope): a bundle\'s inclusion path from its tiles, with the API key as a header', async () => {
    const bundle = (await (await fetch(`${http.url}/evidence/r1-299?tenant_id=t1`, { headers: { 'x-api-key': read } })).json()) as EvidenceBundle;
    const tiles = fetchTileSource(`${http.url}/logs/t1`, { headers: { 'x-api-key': read } });
    expect((await inclusionFromTiles(bundle.leaf_index, bundle.tenant_head!.tree_size, tiles)).map(b64uEncode)).toEqual(bundle.inclusion!.path_b64url);
    await expect(inclusionFromTiles(0, 600, fetchTileSource(`${http.url}/logs/t1`))).rejects.toThrow(/answered 401/);
  });
});
