/**
 * Periods and sealing (PROTOCOL.md §4.2–§4.4).
 *
 * Natural boundaries are multiples of the period since the Unix epoch (so a
 * 86400 s period is the UTC day). A period is `[start, end)`: `start` is where
 * the last sealed period ended (the first one starts at the boundary at or
 * before the first entry); `end` is the next natural boundary, or the end of
 * the millisecond in which `sealNow()` was called. A run of periods in which no
 * log grew is sealed as one checkpoint that ends on a boundary, so a server
 * that was down for long writes one history entry for the gap, not one per
 * period.
 *
 * A seal first closes its period in the store (`closed_until`): from then on no
 * sequencer issues a `received_at` below its end, so each grown log's size at
 * the end is a fixed prefix, read from the log's own order, and ingest never
 * waits. Then it reads each head's root from tiles, appends the heads to the
 * root log and signs one note. A crash between the close and the commit leaves
 * `closed_until` past the last sealed period: the next seal finishes that period.
 */
import { AegisLogError, b64uEncode, formatTime, parseTime, tenantHeadHash } from '../protocol/index.js';
import type { TenantHead } from '../protocol/index.js';
import { leafHash } from '../tlog/merkle.js';
import { appendLeafHashesInSlices, edgeTilesOf } from '../tlog/tile-append.js';
import { rootFromTiles, type TileSource } from '../tlog/tile-proofs.js';
import { overlaySource, storeTiles } from './tile-source.js';
import { ROOT_LOG, type Store, type StoredCheckpoint, type StoredHead } from './types.js';

export interface SealerOptions {
  store: Store;
  periodMs: number;
  now: () => number;
  /** The checkpoint body for a root log of `size` with `root` (§4.4), signed by every note key of the log. */
  signCheckpoint(size: number, root: Uint8Array): Promise<string>;
  /** Called with each checkpoint a seal wrote (witness submission, logs). Errors are the callee's. */
  onSealed?: (checkpoint: StoredCheckpoint) => void;
}

/**
 * A commit refused because another process sealed the period first: its lease was taken over while this
 * one sealed (its liveness session was cut, or it hung past the expiry). Nothing is lost: that process's
 * checkpoint seals the period.
 */
const sealedElsewhere = (error: unknown) => error instanceof AegisLogError && (error.code === 'ERR_ALREADY_SEALED' || error.code === 'ERR_PERIOD_ORDER');

/** How long a sealer's lease lasts without renewal; a lease whose holder died is taken over after it. */
const LEASE_MS = 60_000;

export type Sealer = ReturnType<typeof createSealer>;

/** How often `current()` reads the latest checkpoint from the store, at most. */
const REREAD_MS = 1_000;

/** The longest the sealer computes before it lets other work run. */
const SLICE_MS = 5;
/** Root-log leaves hashed into tiles per synchronous run (about 3–5 ms), then the seal breathes. */
const APPEND_SLICE = 8192;

/**
 * A store that answers synchronously (SQLite, memory) would keep the event loop
 * through all the tenants of a period: every SLICE_MS the seal waits one turn, so
 * ingest and /healthz go on while it runs.
 */
function breather(): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < SLICE_MS) return;
    await new Promise((resolve) => setTimeout(resolve, 0));
    since = performance.now();
  };
}

export function createSealer({ store, periodMs, now, signCheckpoint, onSealed }: SealerOptions) {
  const holder = crypto.randomUUID();
  const floor = (ms: number) => Math.floor(ms / periodMs) * periodMs;
  let latest: StoredCheckpoint | undefined;
  /** When this sealer last took or renewed the lease (its clock). */
  let leasedAt = 0;
  /** Where the open period starts, as last read from the store; undefined before any entry and any seal. */
  let openStart: number | undefined;
  /** When `current()` last read the latest checkpoint from the store (this sealer's clock). */
  let readAt = Number.NEGATIVE_INFINITY;
  /** The seal running now; callers that arrive meanwhile join it (five concurrent `/admin/seal` seal once). */
  let running: { kind: 'due' | 'now'; done: Promise<StoredCheckpoint[]>; followUp?: Promise<StoredCheckpoint[]> } | undefined;

  async function refresh(): Promise<void> {
    latest = await store.latestCheckpoint();
    const closed = await store.closedUntil();
    if (latest) openStart = parseTime(latest.period_end);
    else {
      const first = await store.earliestPending();
      openStart = first === undefined ? (closed === undefined ? undefined : floor(parseTime(closed))) : floor(parseTime(first));
    }
  }

  /** Seals `[start, end)`: close, heads from tiles, root-log append, one signed note, one commit. */
  async function sealPeriod(start: number, end: number, sealedAt: number): Promise<StoredCheckpoint> {
    const [periodStart, periodEnd] = [formatTime(start), formatTime(end)];
    await store.closePeriod(periodEnd).catch(async (error: unknown) => {
      // Another process (its lease taken over from this one) closed a later end first: it seals from there.
      const closed = await store.closedUntil().catch(() => undefined);
      if (closed !== undefined && closed > periodEnd) {
        throw new AegisLogError('ERR_PERIOD_ORDER', `period ${periodStart} .. ${periodEnd} was closed at the later ${closed} by another process`, { cause: error });
      }
      throw error;
    });
    const rootSize = await store.logSize(ROOT_LOG);
    const heads: StoredHead[] = [];
    const breathe = breather();
    for (const grown of await store.grownLogs(periodEnd)) {
      await breathe();
      await keepLease();
      const known = grown.treeSize !== undefined && grown.root !== undefined;
      const treeSize = known ? grown.treeSize! : await store.sizeAt(grown.tenantId, periodEnd);
      if (treeSize <= grown.prevTreeSize) continue; // grew only after periodEnd (a missed period sealed late)
      const root = known ? grown.root! : await rootFromTiles(treeSize, storeTiles(store, grown.tenantId));
      const head: TenantHead = {
        v: 2,
        tenant_id: grown.tenantId,
        period_start: periodStart,
        period_end: periodEnd,
        tree_size: treeSize,
        root_b64url: b64uEncode(root),
        prev_tree_size: grown.prevTreeSize,
        prev_head_index: grown.prevHeadIndex,
      };
      heads.push({ head, headIndex: rootSize + heads.length });
    }
    const rootTiles = storeTiles(store, ROOT_LOG);
    const edge: Uint8Array[] = [];
    const edgeRefs = edgeTilesOf(rootSize);
    (await rootTiles.read(edgeRefs)).forEach((bytes, i) => (edge[edgeRefs[i]!.level] = bytes));
    const entries = new Uint8Array(32 * heads.length);
    for (const [i, h] of heads.entries()) {
      await breathe();
      entries.set(leafHash(tenantHeadHash(h.head)), 32 * i);
    }
    const { size, writes: tiles, inner } = await appendLeafHashesInSlices(rootSize, edge, entries, APPEND_SLICE, breathe);
    const writes = [...tiles, ...inner];
    const root = await rootFromTiles(size, overlaySource(writes, rootTiles));
    await keepLease();
    const note = await signCheckpoint(size, root);
    const checkpoint = await store.commitSeal({
      period_start: periodStart,
      period_end: periodEnd,
      sealed_at: formatTime(sealedAt),
      heads,
      rootWrites: writes,
      rootSize: size,
      note,
    });
    latest = checkpoint;
    openStart = end;
    onSealed?.(checkpoint);
    return checkpoint;
  }

  /**
   * Renews the lease during a long seal (many tenants): a lease left to expire is taken by another
   * process's timer, which then seals the same period beside this one. Lost (this process hung past
   * its expiry): stops, as the other holder seals.
   */
  async function keepLease(): Promise<void> {
    const t = now();
    if (t - leasedAt < LEASE_MS / 3) return;
    if (!(await store.acquireSealLease(holder, t, LEASE_MS))) {
      throw new AegisLogError('ERR_STORE_UNAVAILABLE', 'the seal lease was taken over by another process (this seal outlived it); that process seals');
    }
    leasedAt = t;
  }

  /** Seals every period that ended by `t`. */
  async function sealEnded(t: number): Promise<StoredCheckpoint[]> {
    const sealed: StoredCheckpoint[] = [];
    let raced = 0;
    for (;;) {
      await refresh();
      if (openStart === undefined) return sealed;
      const start = openStart;
      const closed = await store.closedUntil();
      let end = floor(start) + periodMs;
      if (closed !== undefined && parseTime(closed) > start) {
        end = parseTime(closed); // a seal that closed its period and stopped before its commit: finish that period
      } else {
        if (end > t) return sealed;
        const first = await store.earliestPending();
        const firstMs = first === undefined ? Infinity : parseTime(first);
        if (firstMs >= end) end = Math.max(end, floor(Math.min(firstMs, t))); // an empty run: one checkpoint up to the last boundary before activity
      }
      try {
        sealed.push(await sealPeriod(start, end, t));
      } catch (error) {
        if (!sealedElsewhere(error) || ++raced > 3) throw error;
        // Another process sealed this period meanwhile: go on from where it ended (refresh, above).
      }
    }
  }

  /**
   * Takes the lease. For what is due, a holder elsewhere seals it: false at once. `sealNow` asks for the
   * open period, which that holder does not seal: it waits for the lease (a holder that died loses it at
   * once, a hung one at expiry), then refuses as unavailable (503, retry) if it still has not got it.
   */
  async function lease(kind: 'due' | 'now'): Promise<boolean> {
    let waited = 0;
    for (let pause = 20; ; pause = Math.min(2 * pause, 1000)) {
      const t = now();
      if (await store.acquireSealLease(holder, t, LEASE_MS)) {
        leasedAt = t;
        return true;
      }
      if (kind === 'due') return false;
      if (waited > 2 * LEASE_MS) {
        throw new AegisLogError('ERR_STORE_UNAVAILABLE', `another process has held the seal lease for over ${(2 * LEASE_MS) / 1000} s; retry the seal later`);
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
      waited += pause;
    }
  }

  /**
   * Runs a seal under the lease, one at a time in this process; a caller of the same kind joins the one running.
   * A `sealNow` joins as well, but that seal's end was fixed before the call, and receipts issued since are not in
   * it: a follow-up seal, shared by every call that joins meanwhile, starts when it ends (it finds nothing new, and
   * seals nothing, when no receipt came between), and the caller gets both seals' checkpoints.
   */
  function exclusive(kind: 'due' | 'now', body: () => Promise<StoredCheckpoint[]>): Promise<StoredCheckpoint[]> {
    const joined = running;
    if (joined?.kind === kind && kind === 'due') return joined.done;
    if (joined?.kind === kind) {
      return (joined.followUp ??= joined.done.catch(() => [] as StoredCheckpoint[]).then(async (first) => [...first, ...(await exclusive(kind, body))]));
    }
    const previous = running?.done.catch(() => []) ?? Promise.resolve([]);
    const done = previous.then(async () => {
      if (!(await lease(kind))) return []; // another process seals what is due
      try {
        return await body();
      } finally {
        await store.releaseSealLease(holder);
      }
    });
    const entry: NonNullable<typeof running> = { kind, done };
    running = entry;
    void done.finally(() => {
      if (running === entry) running = undefined;
    }).catch(() => {});
    return done;
  }

  return {
    load: refresh,
    latest: () => latest,
    /**
     * The latest checkpoint as the store had it at most a second ago: another process of a fleet may
     * have sealed since this one last looked (its `POST /admin/seal`, long before this one's timer).
     * Read at most once a second, as `/healthz` is anonymous: however many probes come, the store
     * gets one read a second. A failed read keeps what this process knew; the probe still answers.
     */
    async current(): Promise<StoredCheckpoint | undefined> {
      const t = now();
      if (t - readAt >= REREAD_MS || t < readAt) {
        readAt = t;
        const found = await store.latestCheckpoint().catch(() => undefined);
        // Never back: a read that began before this process's own seal committed returns the checkpoint before it.
        if (found && (!latest || found.period_end > latest.period_end)) {
          latest = found;
          openStart = parseTime(found.period_end);
        }
      }
      return latest;
    },
    /** Start of the open period: where the last seal ended, else the boundary before the first entry (none yet: now's). */
    openPeriodStart(): number {
      return openStart ?? floor(now());
    },
    /** When the open period ends: after that, `sealDue()` has work. */
    openPeriodEnd(): number {
      return floor(openStart ?? now()) + periodMs;
    },
    /** Records that an entry was logged at `receivedAt` (ms): before any seal, the first entry fixes where the first period starts. */
    noteEntry(receivedAt: number): void {
      if (openStart === undefined || (latest === undefined && floor(receivedAt) < openStart)) openStart = floor(receivedAt);
    },
    /** Seals every period that has ended; idempotent. */
    sealDue(): Promise<StoredCheckpoint[]> {
      return exclusive('due', () => sealEnded(now()));
    },
    /**
     * Seals the ended periods and then the open one, ending it after this millisecond, when some log grew
     * in it: a seal that would append no head signs nothing new (§4.4), so calls in a
     * row do not cut the history into empty slivers. Empty when there was nothing to seal.
     */
    sealNow(): Promise<StoredCheckpoint[]> {
      return exclusive('now', async () => {
        // The end of the current millisecond: a receipt stamped in it was issued before this call and is
        // sealed with it. One issued after the close in the same millisecond is stamped with the next
        // (received_at = max(clock, closed_until), §4.1). In whole milliseconds: a clock that reads fractions would
        // end the period at t yet write the end as its millisecond, which may be the open period's start.
        const t = Math.floor(now()) + 1;
        const sealed = await sealEnded(t);
        await refresh();
        const pending = await store.earliestPending();
        if (openStart !== undefined && openStart < t && pending !== undefined && parseTime(pending) < t) {
          try {
            sealed.push(await sealPeriod(openStart, t, t));
          } catch (error) {
            if (!sealedElsewhere(error)) throw error;
            await refresh(); // another process sealed it meanwhile: its checkpoint is the answer
          }
        }
        return sealed;
      });
    },
  };
}

