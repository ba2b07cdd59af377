import { createServer as httpServer, type Server } from 'node:http';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mirrorCommand } from '../../src/cli/mirror.js';
import { b64uEncode, type EvidenceBundle, type ExportHeader, type Receipt } from '../../src/protocol/index.js';
import { auditExport, fetchTileSource, frontierFromTiles, inclusionFromTiles, parseCheckpoint, verifyEvidence, verifyHistory } from '../../src/verify/index.js';
import { KEY_CONFIG, ORIGIN, clock, event, start, tempDir, type Running } from '../server/helpers.js';
import { fakeIO } from './fake-io.js';

/**
 * `aegislog mirror` against a real server, then the folder served by a plain
 * static file server (node:http and the file system, no AegisLog code): a
 * bundle's inclusion, an export audit and the history verify from its files alone.
 */
const ADMIN = 'admin-key-00000000000000001';
const keys = [...KEY_CONFIG, { key: 'ingest-key-other-0000000001', tenant_id: 'other', scope: 'ingest' as const }];
const time = clock(Date.UTC(2026, 10, 28, 9, 0, 0));
let s: Running;
let temp: Awaited<ReturnType<typeof tempDir>>;
let mirrorDir: string;
let statics: Server;
let staticUrl: string;
let policy: string;
const served: string[] = [];

beforeAll(async () => {
  temp = await tempDir();
  mirrorDir = join(temp.dir, 'mirror');
  s = await start({ keys, now: time.now, period: 3600 });
  policy = `${(await (await s.call('/.well-known/aegislog/vkeys', { key: null })).text()).trim().split('\n').map((v) => `log ${v}`).join('\n')}\nquorum none\n`;
  statics = httpServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url!, 'http://x').pathname)).replace(/^\/+/, '');
    const file = join(mirrorDir, path);
    served.push(path);
    if (path.startsWith('..') || !existsSync(file)) return void response.writeHead(404).end();
    response.writeHead(200).end(readFileSync(file));
  });
  await new Promise<void>((done) => statics.listen(0, '127.0.0.1', done));
  staticUrl = `http://127.0.0.1:${(statics.address() as { port: number }).port}`;
});
afterAll(async () => {
  try {
    if (statics) await new Promise((done) => statics.close(done));
    await s?.stop();
  } finally {
    await temp?.remove();
  }
});

async function ingest(tenant: string, key: string, n: number): Promise<Receipt[]> {
  const response = await s.call('/ingest/batch', { key, json: { events: Array.from({ length: n }, () => event({ tenant_id: tenant })) } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { receipts: Receipt[] }).receipts;
}

/** One period of ingest, then its seal. */
async function period(acme: number, other: number): Promise<Receipt[]> {
  const receipts = await ingest('acme', 'ingest-key-acme-0000000001', acme);
  if (other > 0) await ingest('other', 'ingest-key-other-0000000001', other);
  time.advance(3600_000);
  expect(await s.server.sealDue()).toHaveLength(1);
  return receipts;
}

/** The paths the last mirror run asked the server for. */
const asked: string[] = [];
async function runMirror(args: string[]) {
  asked.length = 0;
  const io = fakeIO({
    fetch: (input, init) => {
      asked.push(new URL(String(input)).pathname.slice(1));
      return fetch(input, init);
    },
  });
  const code = await mirrorCommand.run(['--from', s.url, '--to', mirrorDir, ...args], io);
  return { code, io };
}

const staticText = async (path: string) => {
  const response = await fetch(`${staticUrl}/${path}`);
  expect(response.status).toBe(200);
  return response.text();
};

/** The tree size of a signed note (its body ends at the blank line). */
const sizeOf = (note: string) => parseCheckpoint(note.slice(0, note.indexOf('\n\n') + 1)).size;

/** A bundle whose proofs and checkpoint come from the mirror's files, not from the server. */
async function fromMirror(bundle: EvidenceBundle, tenant = 'acme'): Promise<EvidenceBundle> {
  const note = await staticText('checkpoint');
  const size = sizeOf(note);
  const tenantTiles = fetchTileSource(`${staticUrl}/logs/${tenant}`);
  const rootTiles = fetchTileSource(staticUrl);
  const head = bundle.tenant_head!;
  return {
    ...bundle,
    inclusion: { tree_size: head.tree_size, path_b64url: (await inclusionFromTiles(bundle.leaf_index, head.tree_size, tenantTiles)).map(b64uEncode) },
    head_inclusion: { tree_size: size, path_b64url: (await inclusionFromTiles(bundle.head_index!, size, rootTiles)).map(b64uEncode) },
    checkpoint: note,
  };
}

describe('aegislog mirror', () => {
  let first: Receipt[];
  let second: Receipt[];

  it('writes the root log, the asked tenant log, the history and the vkeys as plain files; other tenants stay private', async () => {
    first = await period(200, 3);
    second = await period(150, 2); // acme crosses 256 entries: a full tile, then partial ones
    const { code, io } = await runMirror(['--tenant', 'acme', '--api-key', ADMIN]);
    expect([code, io.stderr]).toEqual([0, []]);
    expect(io.text()).toContain(`mirrored 2 checkpoints of ${ORIGIN} (root log size 4)`);
    expect(io.text()).toContain('tenant acme: 2 heads, log size 350');
    for (const f of ['checkpoint', 'checkpoints', 'vkeys', '.well-known/aegislog/vkeys', 'tile/0/000.p/2', 'tile/0/000.p/4', 'tile/entries/000.p/4', 'logs/acme/heads', 'logs/acme/tile/0/000', 'logs/acme/tile/0/000.p/200', 'logs/acme/tile/0/001.p/94', 'logs/acme/tile/1/000.p/1', 'logs/acme/tile/entries/001.p/94']) {
      expect(existsSync(join(mirrorDir, f)), f).toBe(true);
    }
    expect(existsSync(join(mirrorDir, 'logs/other'))).toBe(false);
    expect(readFileSync(join(mirrorDir, 'checkpoint'), 'utf8')).toBe(await (await s.call('/checkpoint', { key: null })).text());
  });

  it('from the static folder alone: the history verifies, and bundles verify with proofs read from its tiles', async () => {
    const history = JSON.parse(await staticText('checkpoints'));
    const report = await verifyHistory(history, { policy });
    expect([report.ok, report.length]).toEqual([true, 2]);
    for (const receipt of [first[0]!, first[199]!, second[0]!, second[149]!]) {
      const bundle = (await (await s.call(`/evidence/${receipt.event_id}`)).json()) as EvidenceBundle;
      const mirrored = await fromMirror(bundle);
      expect(mirrored.inclusion).toEqual(bundle.inclusion);
      const verdict = await verifyEvidence(mirrored, { policy });
      expect([verdict.ok, verdict.status]).toEqual([true, 'sealed']);
    }
    expect(served.some((p) => p.startsWith('logs/acme/tile/'))).toBe(true);
  });

  it('an export audit with its frontier and proofs from the static folder', async () => {
    const heads = (await staticText('logs/acme/heads')).trim().split('\n').map((l) => JSON.parse(l) as { tenant_head: { period_start: string; prev_tree_size: number; tree_size: number }; head_index: number });
    const second = heads[1]!;
    const text = await (await s.call(`/export?tenant_id=acme&period_start=${encodeURIComponent(second.tenant_head.period_start)}`)).text();
    const [headerLine, ...lines] = text.trimEnd().split('\n');
    const header = JSON.parse(headerLine!) as ExportHeader;
    const note = await staticText('checkpoint');
    const size = sizeOf(note);
    const root = fetchTileSource(staticUrl);
    const mirrored: ExportHeader = {
      ...header,
      frontier_b64url: (await frontierFromTiles(second.tenant_head.prev_tree_size, fetchTileSource(`${staticUrl}/logs/acme`))).map(b64uEncode),
      head_inclusion: { tree_size: size, path_b64url: (await inclusionFromTiles(second.head_index, size, root)).map(b64uEncode) },
      prev_head_inclusion: { tree_size: size, path_b64url: (await inclusionFromTiles(heads[0]!.head_index, size, root)).map(b64uEncode) },
      checkpoint: note,
    };
    const report = await auditExport([JSON.stringify(mirrored), ...lines].join('\n') + '\n', { policy });
    expect([report.ok, report.count, report.treeSize]).toEqual([true, 150, 350]);
  });

  it('a tampered tile in the folder is caught', async () => {
    // The first head (size 200) proves from the partial tile of that width.
    const path = join(mirrorDir, 'logs/acme/tile/0/000.p/200');
    const good = await readFile(path);
    const bad = Buffer.from(good);
    bad[40]! ^= 1;
    writeFileSync(path, bad);
    try {
      const bundle = (await (await s.call(`/evidence/${first[3]!.event_id}`)).json()) as EvidenceBundle;
      const verdict = await verifyEvidence(await fromMirror(bundle), { policy });
      expect(verdict.ok).toBe(false);
      expect(verdict.checks.inclusion?.status).toBe('failed');
    } finally {
      writeFileSync(path, good);
    }
  });

  it('--since continues the mirror: only what is new is fetched, and the longer history still verifies', async () => {
    const kept = readFileSync(join(mirrorDir, 'logs/acme/tile/0/000'));
    const third = await period(10, 0);
    const { code, io } = await runMirror(['--since', '2', '--tenant', 'acme', '--api-key', ADMIN]);
    expect([code, io.stderr]).toEqual([0, []]);
    expect(io.text()).toContain('mirrored 3 checkpoints');
    expect(io.text()).toContain('tenant acme: 3 heads, log size 360');
    expect(readFileSync(join(mirrorDir, 'logs/acme/tile/0/000'))).toEqual(kept);
    expect(existsSync(join(mirrorDir, 'logs/acme/tile/0/001.p/104'))).toBe(true);
    const history = JSON.parse(await staticText('checkpoints'));
    const report = await verifyHistory(history, { policy });
    expect([report.ok, report.length]).toEqual([true, 3]);
    // Nothing mirrored before was fetched again: of the tiles, only the new sizes' partial ones.
    expect(asked.filter((p) => p.includes('tile/')).sort()).toEqual(['logs/acme/tile/0/001.p/104', 'logs/acme/tile/entries/001.p/104', 'tile/0/000.p/5', 'tile/entries/000.p/5']);
    const bundle = (await (await s.call(`/evidence/${third[9]!.event_id}`)).json()) as EvidenceBundle;
    expect((await verifyEvidence(await fromMirror(bundle), { policy })).ok).toBe(true);
    // An older bundle still verifies against the newer mirrored checkpoint.
    const old = (await (await s.call(`/evidence/${first[0]!.event_id}`)).json()) as EvidenceBundle;
    expect((await verifyEvidence(await fromMirror(old), { policy })).ok).toBe(true);
  });

  it('--since with a tenant new to the mirror copies the partial tiles of all its heads, not only the new ones', async () => {
    await ingest('other', 'ingest-key-other-0000000001', 4);
    time.advance(3600_000);
    expect(await s.server.sealDue()).toHaveLength(1);
    const { code, io } = await runMirror(['--since', '3', '--tenant', 'acme', '--tenant', 'other', '--api-key', ADMIN]);
    expect([code, io.stderr]).toEqual([0, []]);
    expect(io.text()).toContain('tenant other: 3 heads, log size 9');
    const heads = (await staticText('logs/other/heads')).trim().split('\n').map((l) => JSON.parse(l) as { tenant_head: { prev_tree_size: number; tree_size: number } });
    expect(heads.map((h) => h.tenant_head.tree_size)).toEqual([3, 5, 9]);
    // A bundle of each period, its proofs from the folder: the older periods need their own partial tiles.
    for (const { tenant_head: head } of heads) {
      const [record] = await s.store.records('other', head.prev_tree_size, head.tree_size, 1);
      const bundle = (await (await s.call(`/evidence/${record!.statement.event_id}?tenant_id=other`, { key: ADMIN })).json()) as EvidenceBundle;
      expect(bundle.tenant_head!.tree_size).toBe(head.tree_size);
      const mirrored = await fromMirror(bundle, 'other');
      expect(mirrored.inclusion).toEqual(bundle.inclusion);
      expect((await verifyEvidence(mirrored, { policy })).ok).toBe(true);
    }
  });

  it('--since refuses a server history that does not extend the mirror\'s (a log restored from a backup), publishing nothing', async () => {
    await ingest('acme', 'ingest-key-acme-0000000001', 3);
    time.advance(3600_000);
    expect(await s.server.sealDue()).toHaveLength(1);
    const before = readFileSync(join(mirrorDir, 'checkpoints'), 'utf8');
    const checkpoint = readFileSync(join(mirrorDir, 'checkpoint'), 'utf8');
    // The server's answers, rewritten as a restored log would give them: checkpoint 3 signed over another root.
    const rewrite = (change: (history: { checkpoints: { note: string; consistency_b64url?: string[] }[] }) => void) =>
      fakeIO({
        fetch: async (input, init) => {
          const response = await fetch(input, init);
          if (!new URL(String(input)).pathname.endsWith('/checkpoints')) return response;
          const history = await response.json();
          change(history);
          return Response.json(history);
        },
      });
    const forkedNote = (note: string) => {
      const lines = note.split('\n');
      lines[2] = b64uEncode(new Uint8Array(32).fill(9)).replace(/-/g, '+').replace(/_/g, '/') + '=';
      return lines.join('\n');
    };
    for (const [name, change, message] of [
      ['another root at the mirrored size', (h: { checkpoints: { note: string }[] }) => (h.checkpoints[0]!.note = forkedNote(h.checkpoints[0]!.note)), 'checkpoint 3 differs from the one mirrored before'],
    ] as const) {
      const io = rewrite(change as never);
      const code = await mirrorCommand.run(['--from', s.url, '--to', mirrorDir, '--since', '4'], io);
      expect([name, code]).toEqual([name, 2]);
      expect(io.stderr[0], name).toContain(message);
      // Nothing published: the mirror's history and checkpoint are as they were.
      expect(readFileSync(join(mirrorDir, 'checkpoints'), 'utf8')).toBe(before);
      expect(readFileSync(join(mirrorDir, 'checkpoint'), 'utf8')).toBe(checkpoint);
    }
    // Untouched, the same run goes on.
    const { code, io } = await runMirror(['--since', '4']);
    expect([code, io.stderr]).toEqual([0, []]);
    expect(io.text()).toContain('mirrored 5 checkpoints');
  });

  it('refuses a --since past what the folder holds, a missing --to, and a tenant without a key (exit 2)', async () => {
    const past = await runMirror(['--since', '9']);
    expect([past.code, past.io.stderr[0]]).toEqual([2, expect.stringContaining('--since 9: the mirror holds only 5 checkpoints')]);
    const io = fakeIO();
    expect(await mirrorCommand.run(['--from', s.url], io)).toBe(2);
    expect(io.stderr[0]).toContain('--from URL and --to DIR are required');
    const noKey = await runMirror(['--tenant', 'acme']);
    expect([noKey.code, noKey.io.stderr[0]]).toEqual([2, expect.stringContaining('--tenant needs --api-key')]);
  });
});
