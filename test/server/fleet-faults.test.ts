import { afterAll, beforeAll, expect, test } from 'vitest';
import type { EvidenceBundle, ExportLine, Receipt } from '../../src/protocol/index.js';
import { verifyEvidence, verifyHistory } from '../../src/verify/index.js';
import { startPostgres, type PostgresCluster } from '../../scripts/pg-cluster.mjs';
import { exportProblems } from '../support/v2-check.js';
import { importPublicKey } from '../../src/verify/index.js';
import { readFile } from 'node:fs/promises';
import { stopChild } from './child.js';
import { ADMIN_KEY, fleetKeys, ingestKey, serveArgs, startServe, type FleetKeys, type ServeProcess } from './fleet.js';
import { tempDir } from './helpers.js';

/**
 * The issue's fault test: three `aegislog serve` processes on one PostgreSQL take
 * concurrent ingest for three tenants with 2-second periods (every process's seal
 * timer runs), while one process after another is killed with SIGKILL and replaced,
 * and the database itself is restarted as after a crash. Clients retry on any
 * failure (a refused connection, a reset, 503) with the same event_id, at another
 * process. Afterwards every acknowledged receipt is in exactly one signed head,
 * no leaf index is used twice, every export and sampled bundle verifies, and the
 * history is consistent. Faults are driven by counts of acknowledged events, not by time.
 */
const TENANTS = ['t-alpha', 't-beta', 't-gamma'];
const CLIENTS = 6;
let cluster: PostgresCluster;
let temp: Awaited<ReturnType<typeof tempDir>>;
let keys: FleetKeys;
const live: ServeProcess[] = [];
const dead: ServeProcess[] = [];

beforeAll(async () => {
  [cluster, temp] = await Promise.all([startPostgres({ fsync: false }), tempDir()]);
  keys = await fleetKeys(temp.dir, TENANTS);
}, 120_000);
afterAll(async () => {
  try {
    for (const p of [...live, ...dead]) await stopChild(p.child);
  } finally {
    await cluster?.stop();
    await temp?.remove();
  }
});

const pause = (ms: number) => new Promise((done) => setTimeout(done, ms));

test('three serve processes, SIGKILL after SIGKILL and a database crash: nothing acknowledged is lost, every head verifies', async () => {
  const url = cluster.createDatabase('fleet_faults');
  const args = serveArgs(url, keys, ['--period', '2']);
  live.push(...(await Promise.all([0, 1, 2].map(() => startServe(args)))));

  const acknowledged = new Map<string, Receipt>();
  const failures = { refused: 0, unavailable: 0 };
  let turn = 0;
  let stopped = false;
  const waiters: { at: number; done: () => void }[] = [];
  const untilAcks = (at: number) => new Promise<void>((done) => (acknowledged.size >= at ? done() : waiters.push({ at, done })));
  const failureWaiters: { at: number; done: () => void }[] = [];
  const untilUnavailable = (more: number) => {
    const at = failures.unavailable + more;
    return new Promise<void>((done) => failureWaiters.push({ at, done }));
  };
  const onUnavailable = () => {
    failures.unavailable++;
    for (const w of failureWaiters.filter((w) => failures.unavailable >= w.at)) {
      failureWaiters.splice(failureWaiters.indexOf(w), 1);
      w.done();
    }
  };
  /** The database down as after a crash, while clients keep sending: it comes back once they have seen 503s. */
  const crashDatabase = async () => {
    cluster.stopServer('immediate');
    await untilUnavailable(12);
    await cluster.startServer();
  };
  const onAck = () => {
    for (const w of waiters.filter((w) => acknowledged.size >= w.at)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.done();
    }
  };
  const kill = async () => {
    const victim = live.splice(Math.floor(Math.random() * live.length), 1)[0]!;
    await stopChild(victim.child, 'SIGKILL');
    dead.push(victim);
    live.push(await startServe(args));
  };
  const anyHead = async () => {
    const p = live[0];
    if (!p) return false;
    try {
      const found = await Promise.all(TENANTS.map(async (t) => {
        const response = await fetch(`${p.url}/logs/${t}/heads`, { headers: { 'x-api-key': ADMIN_KEY } });
        return response.status === 200 && (await response.text()).includes('"tenant_head"');
      }));
      return found.includes(true);
    } catch {
      return false; // a process killed under the question, or the database down: ask again
    }
  };
  // The faults, each once the load has gone on for a while since the last; the load runs until the last has passed.
  const plan: [number, () => Promise<void>][] = [[40, kill], [80, kill], [120, crashDatabase], [160, kill], [200, kill], [240, kill]];
  const faults = (async () => {
    for (const [at, fault] of plan) {
      await untilAcks(at);
      await fault();
    }
    // The seal timers must have sealed a period under this load, not only the final seal below: wait for a head.
    for (let i = 0; !(await anyHead()); i++) {
      if (i === 600) throw new Error('no seal timer sealed a period while the load ran');
      await pause(200);
    }
    await untilAcks(acknowledged.size + 40); // and recovered, with events for every tenant after that head
    stopped = true;
  })();

  const send = async (tenant: string, body: Record<string, unknown>) => {
    for (let attempt = 0; attempt < 400; attempt++) {
      const p = live[turn++ % Math.max(live.length, 1)];
      if (p) {
        try {
          const response = await fetch(`${p.url}/ingest`, {
            method: 'POST',
            headers: { 'x-api-key': ingestKey(tenant), 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
          if (response.status === 200) {
            const receipt = (await response.json()) as Receipt;
            const before = acknowledged.get(receipt.event_id);
            // A retry of an event that did commit is the same entry.
            if (before) expect(receipt.received_at).toBe(before.received_at);
            acknowledged.set(receipt.event_id, receipt);
            onAck();
            return;
          }
          expect(response.status).toBe(503); // never a 500: the database being down is no internal error
          onUnavailable();
        } catch (error) {
          if ((error as { name?: string }).name === 'AssertionError') throw error;
          failures.refused++; // killed under this request, or not listening yet: another process takes the retry
        }
      }
      await pause(25);
    }
    throw new Error(`${String(body.event_id)} was never acknowledged`);
  };

  let next = 0;
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    while (!stopped) {
      const k = next++;
      const tenant = TENANTS[k % TENANTS.length]!;
      await send(tenant, { event_type: 'fault', event_id: `${tenant}-${k}`, metadata: { k } });
    }
  }));
  await faults;
  expect(acknowledged.size).toBe(next); // every event a client started was acknowledged in the end

  // Seal what is open; any process will do, and the lease keeps it to one at a time.
  const admin = (path: string, init: RequestInit = {}) => fetch(`${live[0]!.url}${path}`, { ...init, headers: { 'x-api-key': ADMIN_KEY, 'content-type': 'application/json' } });
  for (let i = 0; i < 50; i++) {
    const sealed = await admin('/admin/seal', { method: 'POST', body: '{}' });
    if (sealed.status === 200) {
      const open = await Promise.all(TENANTS.map(async (t) => (await (await admin(`/export?tenant_id=${t}`)).text()).trim().split('\n').length - 1));
      if (open.every((n) => n === 0)) break;
    }
    await pause(100);
  }

  const trust = { receiptKeys: await importPublicKey(JSON.parse(await readFile(keys.publicJwks, 'utf8'))), vkeys: keys.vkeys };
  const policy = `${keys.vkeys.map((v) => `log ${v}`).join('\n')}\nquorum none\n`;
  let headCount = 0;
  for (const tenant of TENANTS) {
    const heads = (await (await admin(`/logs/${tenant}/heads`)).text()).trim().split('\n').map((l) => JSON.parse(l).tenant_head as { period_start: string; prev_tree_size: number; tree_size: number });
    headCount += heads.length;
    const seen: ExportLine[] = [];
    for (const [i, head] of heads.entries()) {
      expect(head.prev_tree_size).toBe(i === 0 ? 0 : heads[i - 1]!.tree_size);
      const text = await (await admin(`/export?tenant_id=${tenant}&period_start=${encodeURIComponent(head.period_start)}`)).text();
      expect(await exportProblems(text, trust)).toEqual([]);
      seen.push(...text.trim().split('\n').slice(1).map((l) => JSON.parse(l) as ExportLine));
    }
    // Every acknowledged receipt of the tenant in exactly one head, leaf indexes 0..n-1 once each.
    const mine = [...acknowledged.keys()].filter((id) => id.startsWith(`${tenant}-`));
    expect(seen.map((l) => l.leaf_index)).toEqual(mine.map((_, i) => i));
    expect(seen.map((l) => l.event_id).sort()).toEqual(mine.sort());
    for (const line of seen) {
      const receipt = acknowledged.get(line.event_id)!;
      expect([line.received_at, line.digest_b64url, line.key_id]).toEqual([receipt.received_at, receipt.digest_b64url, receipt.key_id]);
    }
  }
  expect(headCount).toBeGreaterThan(TENANTS.length); // several periods were sealed along the way
  console.log(`fleet faults: ${acknowledged.size} acknowledged, 5 SIGKILLs, 1 database crash, ${failures.refused} requests cut or refused and ${failures.unavailable} answered 503 (all retried), ${headCount} heads`);

  const ids = [...acknowledged.keys()];
  for (let i = 0; i < 24; i++) {
    const id = ids[(i * 97) % ids.length]!;
    const bundle = (await (await admin(`/evidence/${id}?tenant_id=${id.slice(0, id.lastIndexOf('-'))}`)).json()) as EvidenceBundle;
    const report = await verifyEvidence(bundle, { policy });
    expect([id, report.ok, report.status]).toEqual([id, true, 'sealed']);
  }
  const history = await (await admin('/checkpoints')).json();
  const report = await verifyHistory(history, { policy });
  expect([report.ok, report.reason]).toEqual([true, undefined]);
}, 300_000);
