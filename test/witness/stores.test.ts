/**
 * The WitnessStore contract for every store (memory, SQLite, files), and the
 * race of tlog-witness.md: concurrent submissions from one old size get one
 * cosignature, never a rollback. A store that reads and writes in two steps
 * is shown to fail the same test, so that the test can fail.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatAddCheckpoint } from '../../src/tlog/witness-protocol.js';
import {
  MAX_REFUSALS_PER_ORIGIN, createWitness, durableObjectWitnessStore, memoryWitnessStore, witnessFileStore, witnessSqliteStore,
  type CosignedCheckpoint, type Refusal, type RefusalKind, type WitnessStore,
} from '../../src/witness/node.js';
import { fakeDurableObjectState, testLog, witnessKeys, type TestLog } from './helpers.js';
import { storeFactories } from './store-factories.js';

let dir: string;
let log: TestLog;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aegislog-witness-'));
  log = await testLog('log.example/race', 260);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const factories = storeFactories(() => dir);

const record = (size: number, origin = 'o'): CosignedCheckpoint => ({ origin, size, root: new Uint8Array(32).fill(size & 0xff), note: `note ${size}\n`, time: 1 });
const refusal = (i: number, origin = 'o', kind: RefusalKind = 'same-size-other-root'): Refusal => ({
  origin, kind, status: 422, reason: `r${i}`, request: `req ${i}`, time: i, cosigned: { size: 1, root: new Uint8Array(32), note: 'n\n' },
});

for (const f of factories) {
  describe(`${f.name} witness store`, () => {
    it('writes, reads back, keeps origins apart, and returns what decide returns', async () => {
      const { store } = await f.open();
      expect(await store.latest('o')).toBeUndefined();
      expect(await store.update('o', (latest) => ({ write: record(5), result: latest?.size ?? 'none' }))).toBe('none');
      expect(await store.update('o', (latest) => ({ result: latest?.size }))).toBe(5);
      await store.update('p', () => ({ write: record(9, 'p'), result: null }));
      expect([(await store.latest('o'))!.size, (await store.latest('p'))!.size]).toEqual([5, 9]);
      expect(await store.latest('o')).toEqual(record(5));
      await store.close?.();
    });

    it('runs concurrent updates of one origin one at a time: no update is lost', async () => {
      const { store } = await f.open();
      const n = 50;
      await Promise.all(
        Array.from({ length: n }, () => store.update('o', (latest) => ({ write: record((latest?.size ?? 0) + 1), result: null }))),
      );
      expect((await store.latest('o'))!.size).toBe(n);
      await store.close?.();
    });

    it('keeps refusals in order, per origin, up to its bound', async () => {
      const { store } = await f.open();
      for (let i = 0; i < 3; i++) await store.update('o', () => ({ refusal: refusal(i), result: null }));
      await store.update('p', () => ({ refusal: refusal(9, 'p'), result: null }));
      expect((await store.refusals('o')).map((r) => r.reason)).toEqual(['r0', 'r1', 'r2']);
      expect(await store.refusals('o', 2)).toEqual([refusal(0), refusal(1)]);
      expect((await store.refusals('p')).map((r) => r.reason)).toEqual(['r9']);
      expect(await store.refusals('q')).toEqual([]);
      await store.close?.();
    });

    it(`keeps at most MAX_REFUSALS_PER_ORIGIN (${MAX_REFUSALS_PER_ORIGIN}) per kind, the first ones: a flood of one kind crowds out no other`, async () => {
      const { store } = await f.open();
      const kinds = ['smaller-tree', 'same-size-other-root', 'inconsistent'] as const;
      for (const [k, kind] of kinds.entries()) {
        for (let i = 0; i < MAX_REFUSALS_PER_ORIGIN + 5; i++) await store.update('o', () => ({ refusal: refusal(k * 10_000 + i, 'o', kind), result: null }));
      }
      const kept = await store.refusals('o'); // the default limit returns all that is kept
      expect(kept).toHaveLength(3 * MAX_REFUSALS_PER_ORIGIN);
      for (const [k, kind] of kinds.entries()) {
        const of = kept.filter((r) => r.kind === kind).map((r) => r.reason);
        expect([of.length, of[0], of.at(-1)]).toEqual([MAX_REFUSALS_PER_ORIGIN, `r${k * 10_000}`, `r${k * 10_000 + MAX_REFUSALS_PER_ORIGIN - 1}`]);
      }
      expect(kept.map((r) => r.kind)).toEqual(kinds.flatMap((kind) => Array<string>(MAX_REFUSALS_PER_ORIGIN).fill(kind)));
      await store.close?.();
    }, 120_000);

    it('keeps an exact duplicate (same kind, same request) once', async () => {
      const { store } = await f.open();
      await store.update('o', () => ({ refusal: refusal(1), result: null }));
      await store.update('o', () => ({ refusal: { ...refusal(1), reason: 'again', time: 99 }, result: null }));
      await store.update('o', () => ({ refusal: refusal(1, 'o', 'smaller-tree'), result: null }));
      await store.update('o', () => ({ refusal: refusal(2), result: null }));
      await store.update('p', () => ({ refusal: refusal(1, 'p'), result: null }));
      expect(await store.refusals('o')).toEqual([refusal(1), refusal(1, 'o', 'smaller-tree'), refusal(2)]);
      expect(await store.refusals('p')).toEqual([refusal(1, 'p')]);
      await store.close?.();
    });

    if (f.durable) {
      it('keeps the latest checkpoints and the refusals across a reopen', async () => {
        const { store, path } = await f.open();
        await store.update('o', () => ({ write: record(7), result: null }));
        await store.update('o', () => ({ refusal: refusal(1), result: null }));
        await store.close?.();
        const again = (await f.open(path)).store;
        expect(await again.latest('o')).toEqual(record(7));
        expect(await again.refusals('o')).toEqual([refusal(1)]);
        await again.update('o', () => ({ refusal: refusal(1), result: null })); // still a duplicate
        expect(await again.refusals('o')).toEqual([refusal(1)]);
        await again.close?.();
      });
    }

    it('a flood of one replayed old checkpoint (anyone can send it, with any old size) is kept once and does not crowd out a fork', async () => {
      const { store } = await f.open();
      const witness = createWitness({ cosigners: (await witnessKeys()).cosigners, logs: log.vkeys, store });
      expect((await witness.addCheckpoint(await log.body(0, 20))).status).toBe(200);
      const old = await log.checkpoint(10);
      for (let i = 0; i < MAX_REFUSALS_PER_ORIGIN + 5; i++) await witness.addCheckpoint(formatAddCheckpoint(i, [], old)); // 409s and 400s
      const fork = formatAddCheckpoint(20, [], await log.checkpoint(20, new Uint8Array(32).fill(9)));
      expect((await witness.addCheckpoint(fork)).status).toBe(422);
      const kept = await store.refusals(log.origin);
      // The first of the replays per answer only (409 for old ≤ 10, 400 above): the old size is the sender's, the evidence is the checkpoint.
      expect(kept.map((r) => [r.kind, r.status, r.request])).toEqual([
        ['smaller-tree', 409, formatAddCheckpoint(0, [], old)],
        ['smaller-tree', 400, formatAddCheckpoint(11, [], old)],
        ['same-size-other-root', 422, fork],
      ]);
      // The same fork again with another old size is the same evidence too.
      expect((await witness.addCheckpoint(formatAddCheckpoint(3, [], await log.checkpoint(20, new Uint8Array(32).fill(9))))).status).not.toBe(200);
      expect(await store.refusals(log.origin)).toHaveLength(3);
      await store.close?.();
    }, 120_000);

    it('keeps the request rebuilt from what verified (no padding of unknown-key lines), once however often it is replayed', async () => {
      const { store } = await f.open();
      const witness = createWitness({ cosigners: (await witnessKeys()).cosigners, logs: log.vkeys, store });
      expect((await witness.addCheckpoint(await log.body(0, 20))).status).toBe(200);
      const pad = Array.from({ length: 90 }, (_, i) => `— attacker.example/x ${Buffer.alloc(100, i).toString('base64')}\n`).join('');
      const old = await log.checkpoint(10);
      const junk = log.proof(20, 30).map((h) => Uint8Array.from(h, (b) => b ^ 1));
      const next = await log.checkpoint(30);
      const bodies = [formatAddCheckpoint(0, [], old + pad), formatAddCheckpoint(0, [], old), formatAddCheckpoint(0, [], old + pad), formatAddCheckpoint(20, junk, next + pad)];
      const statuses: number[] = [];
      for (const b of bodies) statuses.push((await witness.addCheckpoint(b)).status);
      expect(statuses).toEqual([409, 409, 409, 422]);
      const kept = await store.refusals(log.origin);
      expect(kept.map((r) => [r.kind, r.request])).toEqual([['smaller-tree', formatAddCheckpoint(0, [], old)], ['inconsistent', formatAddCheckpoint(20, junk, next)]]);
      await store.close?.();
    });

    it('the race of tlog-witness.md: concurrent submissions from one old size get one cosignature and never roll back', async () => {
      const { store } = await f.open();
      const w = await witnessKeys();
      const witness = createWitness({ cosigners: w.cosigners, logs: log.vkeys, store });
      expect((await witness.addCheckpoint(await log.body(0, 5))).status).toBe(200);
      let size = 5;
      for (let round = 0; round < 4; round++) {
        // Request A to size+3, B to size+8, and more, all from the cosigned size, at once.
        const targets = [size + 3, size + 8, size + 1, size + 20, size + 13];
        const bodies = await Promise.all(targets.map((t) => log.body(size, t)));
        const results = await Promise.all(bodies.map((b) => witness.addCheckpoint(b)));
        const winners = results.flatMap((r, i) => (r.status === 200 ? [targets[i]!] : []));
        expect(winners, `round ${round}`).toHaveLength(1);
        for (const r of results) if (r.status !== 200) expect(r).toEqual({ status: 409, size: winners[0] });
        expect((await store.latest(log.origin))!.size).toBe(winners[0]);
        size = winners[0]!;
      }
      // The stored checkpoint is the winner's, cosigned.
      expect((await store.latest(log.origin))!.note).toContain(`\n${size}\n`);
      await store.close?.();
    });
  });
}

describe('state kept by an older version', () => {
  it('durable object: reads the old key layout and counts its refusals per kind', async () => {
    const data = new Map<string, unknown>([['refusals\u0000o', MAX_REFUSALS_PER_ORIGIN]]);
    for (let i = 0; i < MAX_REFUSALS_PER_ORIGIN; i++) data.set(`refusal\u0000o\u0000${String(i).padStart(6, '0')}`, refusal(i));
    const store = durableObjectWitnessStore(fakeDurableObjectState(data));
    await store.update('o', () => ({ refusal: refusal(5000), result: null })); // same-size-other-root is full
    await store.update('o', () => ({ refusal: refusal(1, 'o', 'smaller-tree'), result: null }));
    await store.update('o', () => ({ refusal: refusal(1, 'o', 'smaller-tree'), result: null }));
    const kept = await store.refusals('o');
    expect([kept.length, kept[0], kept.at(-1)]).toEqual([MAX_REFUSALS_PER_ORIGIN + 1, refusal(0), refusal(1, 'o', 'smaller-tree')]);
  });

  it('durable object: reads a checkpoint and a refusal an older version kept whole in one value, however long', async () => {
    // A SQLite-backed object takes values of up to 2 MB: an older version could keep long texts there in one value.
    const long = (c: string) => `${'— '.repeat(40_000)}${c}\n`;
    const old: Refusal = { ...refusal(1), request: long('r'), cosigned: { ...refusal(1).cosigned, note: long('n') } };
    const data = new Map<string, unknown>([
      ['latest\u0000o', { ...record(3), note: long('l') }],
      ['refusal\u0000o\u0000000000', old], ['refusals\u0000o', 1],
    ]);
    const store = durableObjectWitnessStore(fakeDurableObjectState(data));
    expect(await store.latest('o')).toEqual({ ...record(3), note: long('l') });
    expect(await store.refusals('o')).toEqual([old]);
    await store.update('o', () => ({ write: { ...record(4), note: long('m') }, refusal: { ...old, reason: 'again' }, result: null }));
    await store.update('o', () => ({ refusal: { ...old, request: long('s') }, result: null }));
    expect(await store.latest('o')).toEqual({ ...record(4), note: long('m') });
    expect(await store.refusals('o')).toEqual([old, { ...old, request: long('s') }]);
  });

  it('sqlite: opens a database of the old schema and keeps adding to it', async () => {
    const path = join(dir, 'old.sqlite');
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(path);
    db.exec(`CREATE TABLE witness_latest (origin TEXT PRIMARY KEY, size INTEGER NOT NULL, root BLOB NOT NULL, note TEXT NOT NULL, time INTEGER NOT NULL);
      CREATE TABLE witness_refusals (id INTEGER PRIMARY KEY AUTOINCREMENT, origin TEXT NOT NULL, kind TEXT NOT NULL, status INTEGER NOT NULL, reason TEXT NOT NULL,
        request TEXT NOT NULL, cosigned_size INTEGER NOT NULL, cosigned_root BLOB NOT NULL, cosigned_note TEXT NOT NULL, time INTEGER NOT NULL);
      CREATE INDEX witness_refusals_origin ON witness_refusals (origin, id);
      INSERT INTO witness_refusals VALUES (1, 'o', 'same-size-other-root', 422, 'r1', 'req 1', 1, zeroblob(32), 'n
', 1);`);
    db.close();
    const store = await witnessSqliteStore(path);
    await store.update('o', () => ({ refusal: refusal(1), result: null }));
    await store.update('o', () => ({ refusal: refusal(2), result: null }));
    expect(await store.refusals('o')).toEqual([refusal(1), refusal(2)]);
    await store.close?.();
  });
});

describe('a store that checks and writes in two steps', () => {
  it('lets the race through (two cosignatures from one old size): what the test above catches', async () => {
    const inner = memoryWitnessStore();
    let armed = false;
    let reads = 0;
    let bothRead!: () => void;
    const barrier = new Promise<void>((resolve) => (bothRead = resolve));
    const racy: WitnessStore = {
      ...inner,
      async update(origin, decide) {
        const latest = await inner.latest(origin);
        if (armed) {
          if (++reads === 2) bothRead();
          await barrier; // the other request checks against the same state here
        }
        return inner.update(origin, () => decide(latest));
      },
    };
    const w = await witnessKeys();
    const witness = createWitness({ cosigners: w.cosigners, logs: log.vkeys, store: racy });
    expect((await witness.addCheckpoint(await log.body(0, 5))).status).toBe(200);
    armed = true;
    const bodies = [await log.body(5, 13), await log.body(5, 8)];
    const results = await Promise.all(bodies.map((b) => witness.addCheckpoint(b)));
    expect(results.map((r) => r.status)).toEqual([200, 200]);
  });
});

describe('sqlite store', () => {
  it('waits for a lock held by another connection without holding the event loop, then updates', async () => {
    const { default: Database } = await import('better-sqlite3');
    const { store, path } = await factories[1]!.open();
    await store.update('o', () => ({ write: record(1), result: null }));
    const other = new Database(path);
    try {
      other.exec('BEGIN IMMEDIATE'); // a sqlite3 shell, a backup, another witness process
      let settled = false;
      const during = store.update('o', (latest) => ({ write: record((latest?.size ?? 0) + 1), result: latest?.size }));
      void during.then(() => (settled = true), () => (settled = true));
      // Other requests keep being answered: the event loop turns while the update waits.
      for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
      expect(settled).toBe(false);
      other.exec('COMMIT');
      expect(await during).toBe(1);
    } finally {
      other.close();
    }
    expect((await store.latest('o'))?.size).toBe(2);
    await store.close?.();
  });
});

describe('file store', () => {
  it('one process per folder: a second store on the same folder is refused until the first closes', async () => {
    const path = join(dir, 'locked');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(path);
    const first = await witnessFileStore(path);
    await expect(witnessFileStore(path)).rejects.toMatchObject({ code: 'ERR_CONFIG' });
    await first.close?.();
    const second = await witnessFileStore(path);
    await second.close?.();
  });

  it('takes over a lock naming its own PID that it does not hold (a crashed run with the same PID, as PID 1 in a container)', async () => {
    const { mkdir, writeFile } = await import('node:fs/promises');
    const path = join(dir, 'same-pid');
    await mkdir(path);
    await writeFile(join(path, 'witness.lock'), `${process.pid}\n`);
    const store = await witnessFileStore(path);
    await expect(witnessFileStore(path)).rejects.toMatchObject({ code: 'ERR_CONFIG' }); // now it does hold it
    await store.close?.();
    const next = await witnessFileStore(path);
    await store.close?.(); // a second close leaves the next store's lock alone
    await expect(witnessFileStore(path)).rejects.toMatchObject({ code: 'ERR_CONFIG' });
    await next.close?.();
    // Another live process's lock stays refused.
    const other = join(dir, 'other-pid');
    await mkdir(other);
    await writeFile(join(other, 'witness.lock'), `${process.ppid}\n`);
    await expect(witnessFileStore(other)).rejects.toMatchObject({ code: 'ERR_CONFIG' });
  });

  it('a lock names its host and start: another host’s is never taken (two containers on one volume are both PID 1), nor this process’s own', async () => {
    const { mkdir, readFile, writeFile } = await import('node:fs/promises');
    const { hostname } = await import('node:os');
    const path = join(dir, 'tagged');
    await mkdir(path);
    const lock = join(path, 'witness.lock');
    const store = await witnessFileStore(path);
    const mine = await readFile(lock, 'utf8');
    expect(mine).toMatch(new RegExp(`^${process.pid} ${hostname().replace(/[.]/g, '\\.')}:(t|ms)[0-9]+\n$`));
    await store.close?.();
    // Written by this very process (another thread's store, which `held` does not see): refused.
    await writeFile(lock, mine);
    await expect(witnessFileStore(path)).rejects.toMatchObject({ code: 'ERR_CONFIG', message: expect.stringContaining(`process ${process.pid}`) });
    // Another container's witness with the same PID, or a PID that is no process here: refused, naming the host.
    for (const pid of [process.pid, 4_000_001]) {
      await writeFile(lock, `${pid} witness-b:t12345\n`);
      await expect(witnessFileStore(path)).rejects.toMatchObject({ code: 'ERR_CONFIG', message: expect.stringContaining('witness-b') });
      expect(await readFile(lock, 'utf8')).toBe(`${pid} witness-b:t12345\n`);
    }
    // A crashed run on this host with this PID (a restarted container): another start, taken over.
    await writeFile(lock, `${process.pid} ${hostname()}:t1\n`);
    const next = await witnessFileStore(path);
    expect(await readFile(lock, 'utf8')).toBe(mine);
    await next.close?.();
    // A dead process on this host: taken over.
    await writeFile(lock, `4000001 ${hostname()}:t1\n`);
    await (await witnessFileStore(path)).close?.();
  });

  it('drops a torn last line of refusals.ndjson (a crash during an append) and appends after the last whole line', async () => {
    const { appendFile, readFile } = await import('node:fs/promises');
    const { store, path } = await factories[2]!.open();
    await store.update('o', () => ({ refusal: refusal(1), result: null }));
    await store.close?.();
    await appendFile(join(path, 'refusals.ndjson'), '{"origin":"o","kind":"same-si');
    const again = await witnessFileStore(path);
    expect(await again.refusals('o')).toEqual([refusal(1)]);
    await again.update('o', () => ({ refusal: refusal(2), result: null }));
    await again.close?.();
    const third = await witnessFileStore(path);
    expect(await third.refusals('o')).toEqual([refusal(1), refusal(2)]);
    await third.close?.();
    expect((await readFile(join(path, 'refusals.ndjson'), 'utf8')).split('\n')).toHaveLength(3);
    // A whole last line that lost only its newline is kept, and the next append goes on a line of its own.
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(path, 'refusals.ndjson'), (await readFile(join(path, 'refusals.ndjson'), 'utf8')).slice(0, -1));
    const fourth = await witnessFileStore(path);
    await fourth.update('o', () => ({ refusal: refusal(3), result: null }));
    await fourth.close?.();
    const fifth = await witnessFileStore(path);
    expect(await fifth.refusals('o')).toEqual([refusal(1), refusal(2), refusal(3)]);
    await fifth.close?.();
  });

  it('refuses to open, naming the file, when refusals.ndjson is damaged elsewhere than a torn last line', async () => {
    const { readFile, writeFile } = await import('node:fs/promises');
    const line = (i: number) => `${JSON.stringify({ ...refusal(i), cosigned: { ...refusal(i).cosigned, root: 'AA==' } })}\n`;
    for (const text of [`${line(1)}{"torn\n${line(2)}`, `${line(1)}{"torn\n`, `{"torn\n${line(1)}{"torn`]) {
      const { store, path } = await factories[2]!.open();
      await store.close?.();
      await writeFile(join(path, 'refusals.ndjson'), text);
      await expect(witnessFileStore(path)).rejects.toMatchObject({ code: 'ERR_CONFIG', message: expect.stringContaining('refusals.ndjson') });
      expect(await readFile(join(path, 'refusals.ndjson'), 'utf8')).toBe(text); // left as found, for a person to look at
    }
  });

  it('shows a new latest checkpoint only once it is on disk, and never one whose write failed', async () => {
    const { mkdir } = await import('node:fs/promises');
    const { store, path } = await factories[2]!.open();
    await store.update('o', () => ({ write: record(1), result: null }));
    const { hexEncode, sha256 } = await import('../../src/protocol/index.js');
    await mkdir(join(path, 'latest', `${hexEncode(sha256(new TextEncoder().encode('o')))}.json.tmp`)); // the next write of o's checkpoint fails (EISDIR)
    let decided!: () => void;
    const reached = new Promise<void>((resolve) => (decided = resolve));
    const failing = store.update('o', () => {
      decided();
      return { write: record(2), result: null };
    });
    await reached;
    // While the write is under way, monitors (GET <origin hash>/checkpoint) must not see it: it may never be kept.
    expect((await store.latest('o'))?.size).toBe(1);
    await expect(failing).rejects.toMatchObject({ code: 'EISDIR' });
    expect((await store.latest('o'))?.size).toBe(1);
    await store.close?.();
  });

  it('is refused an update after close', async () => {
    const { store } = await factories[2]!.open();
    await store.close?.();
    await expect(store.update('o', () => ({ result: 1 }))).rejects.toMatchObject({ code: 'ERR_CLOSED' });
  });

  // Once closed, the folder's lock is gone and another process may own it: what this store still held in memory is
  // no longer the witness's state (a monitor would be shown a stale checkpoint). The SQLite store refuses these too.
  it('is refused latest and refusals after close, as the SQLite store is', async () => {
    const { store } = await factories[2]!.open();
    await store.update('o', () => ({ write: record(1), result: null }));
    await store.close?.();
    await expect(store.latest('o')).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    await expect(store.refusals('o')).rejects.toMatchObject({ code: 'ERR_CLOSED' });
  });

  it('the add-checkpoint body helper sends what the witness reads', () => {
    expect(formatAddCheckpoint(0, [], 'n\n\n— k AAAAAAA=\n')).toBe('old 0\n\nn\n\n— k AAAAAAA=\n');
  });
});
