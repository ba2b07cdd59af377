/**
 * `durableObjectStore`: the Store over Cloudflare Durable Objects, one object per
 * tenant as that log's sequencer and one root object (heads, checkpoints, lease),
 * each keeping its part in its own SQLite storage (src/server/log-objects.ts).
 * This object is stateless: a front Worker and the sealing object each make one
 * over the same objects, and every answer comes from storage. A seal calls only the
 * armed tenant logs (those that may have grown since their last head), not every
 * tenant: see log-objects.ts for the armed set and why it closes every tenant.
 *
 * Each call to an object is a subrequest, and one invocation (the sealer's alarm)
 * may make 50 on Cloudflare's free plan (10,000 on paid). So a seal asks each tenant
 * log one thing, its close (`closeAt`), which answers its size at the end, its root
 * there and the time of its first entry after; the root keeps those (`keepCloses`),
 * `grownLogs` gives the sizes and roots to the sealer, and a seal cut off part way
 * closes, when tried again, only the logs left. The root also knows when each armed
 * log's first uncovered entry was stamped (from the log when it arms, from the
 * close at the commit), so that `earliestPending` asks no log.
 */
import { AegisLogError } from '../protocol/index.js';
import { callLogObject, type LogObject } from './log-object-wire.js';
import type { Closed, RootLogMethods, TenantAppend, TenantLogMethods } from './log-objects.js';
import { sealPeriodError, signatureWritesError } from './store-rules.js';
import { ROOT_LOG, type GrownLog, type Store } from './types.js';

/**
 * Where the log objects are. Both are asked again for each call: a Durable Object
 * stub may only be used by the request that made it, and this store outlives requests.
 */
export interface DurableObjectStoreOptions {
  /** The root log object: a stub of the Durable Object that holds it (or, inside that object, its own `rootLogObject`). */
  root(): LogObject;
  /** The log object of a tenant: e.g. `(id) => env.TENANTS.get(env.TENANTS.idFromName(id))`. */
  tenant(tenantId: string): LogObject;
}

type Remote<M> = { [K in keyof M]: M[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never };

function remote<M>(object: () => LogObject): Remote<M> {
  // Not thenable, so that it may be returned from an async function.
  return new Proxy({} as Remote<M>, { get: (_target, method: string) => (method === 'then' ? undefined : async (...args: unknown[]) => callLogObject(object(), method, args)) });
}

/** Tenant logs closed at once: their answers are kept (one root call) before the next are asked. */
const CLOSE_BATCH = 100;

export function durableObjectStore(options: DurableObjectStoreOptions): Store {
  // A misnamed binding failed at the first call with a TypeError of its own ("object is not a function").
  for (const field of ['root', 'tenant'] as const) {
    if (typeof options?.[field] !== 'function') throw new AegisLogError('ERR_CONFIG', `${field} must be a function giving the log object (a Durable Object stub)`, { field });
  }
  const root = remote<RootLogMethods>(options.root);
  // Refused in the call, which answers a rejected promise as every Store method does, not thrown where it is made.
  const tenant = (tenantId: string) =>
    remote<TenantLogMethods>(() => {
      if (tenantId === ROOT_LOG) throw new AegisLogError('ERR_LOG_OBJECT_CALL', 'the root log is not a tenant');
      return options.tenant(tenantId);
    });
  /**
   * Each armed tenant with its last head and the received_at of its first entry no head covers: a tenant
   * outside the armed set has every entry covered (log-objects.ts, invariant B), so it is not asked, nor is
   * one whose time the root kept. What the logs answered is kept there for the next time.
   */
  const pending = async () => withSince(await root.tenantHeads());

  /**
   * `logs`, each with `since`: the root's, or asked of the log. What the logs answered is kept in the root before
   * a failed call is thrown, so that a seal cut off here (the cap on an invocation's subrequests) asks, when tried
   * again, only the logs left.
   */
  const withSince = async <T extends { tenantId: string; headSize: number; since?: string }>(logs: T[]): Promise<T[]> => {
    const asked = logs.filter((t) => t.since === undefined);
    const settled = await Promise.allSettled(asked.map((t) => tenant(t.tenantId).timeAt(t.headSize)));
    const learned = new Map<string, string>();
    settled.forEach((r, i) => r.status === 'fulfilled' && r.value !== undefined && learned.set(asked[i]!.tenantId, r.value));
    const notes = asked.flatMap((t) => (learned.has(t.tenantId) ? [{ tenantId: t.tenantId, headSize: t.headSize, since: learned.get(t.tenantId)! }] : []));
    if (notes.length > 0) await root.noteSince(notes).catch(() => {}); // only a saving: asked again next time
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return logs.map((t) => (t.since === undefined && learned.has(t.tenantId) ? { ...t, since: learned.get(t.tenantId) } : t));
  };

  /**
   * Closes one armed tenant log. A log of the version before has no `closeAt`: its `close` answers only
   * whether it disarmed, and the seal asks it the rest.
   */
  const closeOne = async (t: { tenantId: string; generation: number; headSize?: number }, periodEnd: string): Promise<Closed | { disarmed?: Closed['disarmed'] }> => {
    if (t.headSize !== undefined) {
      try {
        return await tenant(t.tenantId).closeAt(periodEnd, t.generation, t.headSize);
      } catch (error) {
        if (!(error instanceof AegisLogError && error.code === 'ERR_LOG_OBJECT_CALL')) throw error;
      }
    }
    return { disarmed: await tenant(t.tenantId).close(periodEnd, t.generation) };
  };

  return {
    append: ({ sha256: _ownHash, ...request }) => tenant(request.tenantId).append(request satisfies TenantAppend),
    async putSignatures(signatures) {
      const problem = signatureWritesError(signatures);
      if (problem) throw problem;
      const byTenant = new Map<string, typeof signatures[number][]>();
      for (const s of signatures) byTenant.set(s.tenantId, [...(byTenant.get(s.tenantId) ?? []), s]);
      await Promise.all([...byTenant].map(([id, list]) => tenant(id).putSignatures(list)));
    },
    getRecord: (tenantId, eventId) => tenant(tenantId).getRecord(eventId),
    records: (tenantId, from, to, limit) => tenant(tenantId).records(from, to, limit),
    logSize: (log) => (log === ROOT_LOG ? root.logSize() : tenant(log).logSize()),
    readTiles: (log, refs) => (log === ROOT_LOG ? root.readTiles([...refs]) : tenant(log).readTiles([...refs])),
    entryData: (log, from, to) => (log === ROOT_LOG ? root.entryData(from, to) : tenant(log).entryData(from, to)),

    closedUntil: () => root.closedUntil(),
    async closePeriod(periodEnd) {
      // The root first: a tenant log that arms from now on gets periodEnd back; the ones armed before are in this list,
      // and one outside it arms before it commits. Each log whose entries all fall before periodEnd disarms; the root
      // drops it once a head covers them (log-objects.ts). A report lost here is made again by the next close.
      const armed = await root.closeArmed(periodEnd);
      // Closed already (a seal cut off after its close, tried again): what it answered is kept.
      const left: { tenantId: string; generation: number; headSize?: number }[] = armed.filter((t) => !t.closed);
      for (let from = 0; from < left.length; from += CLOSE_BATCH) {
        const batch = left.slice(from, from + CLOSE_BATCH);
        const settled = await Promise.allSettled(batch.map((t) => closeOne(t, periodEnd)));
        // What did close is kept before a failure is thrown: the next try asks only the rest.
        const kept: (Closed & { tenantId: string })[] = [];
        const disarmed: (NonNullable<Closed['disarmed']> & { tenantId: string })[] = [];
        settled.forEach((result, i) => {
          if (result.status === 'rejected') return;
          const { tenantId } = batch[i]!;
          if ('size' in result.value) kept.push({ tenantId, ...result.value });
          else if (result.value.disarmed) disarmed.push({ tenantId, ...result.value.disarmed });
        });
        if (kept.length > 0) await root.keepCloses(periodEnd, kept);
        if (disarmed.length > 0) await root.disarm(disarmed);
        const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) throw failed.reason;
      }
    },
    async grownLogs(periodEnd) {
      // Each armed log, with its close kept for periodEnd (every one closed by a store of this version): its size and
      // root are there. A log of the version before (`close` only) is asked when its first uncovered entry was stamped.
      const logs = await root.closedLogs(periodEnd);
      const open = new Map((await withSince(logs.filter((t) => !t.closed))).map((t) => [t.tenantId, t.since]));
      const grown: GrownLog[] = [];
      for (const t of logs) {
        const base = { tenantId: t.tenantId, prevTreeSize: t.headSize, prevHeadIndex: t.lastHeadIndex };
        if (t.closed) {
          if (t.closed.size > t.headSize) grown.push(t.closed.root ? { ...base, treeSize: t.closed.size, root: t.closed.root } : base);
        } else {
          const since = open.get(t.tenantId);
          if (since !== undefined && since < periodEnd) grown.push(base);
        }
      }
      return grown;
    },
    sizeAt: (tenantId, time) => tenant(tenantId).sizeAt(time),
    async commitSeal(seal) {
      // Refused as the other stores refuse it: the root object's own check of the call is ERR_LOG_OBJECT_CALL.
      const empty = sealPeriodError(seal);
      if (empty) throw empty;
      return root.commitSeal(seal);
    },
    async earliestPending() {
      const times = (await pending()).flatMap((t) => (t.since === undefined ? [] : [t.since]));
      return times.length === 0 ? undefined : times.reduce((a, b) => (b < a ? b : a));
    },

    latestCheckpoint: () => root.latestCheckpoint(),
    checkpoints: (from, to) => root.checkpoints(from, to),
    updateNote: (seq, note) => root.updateNote(seq, note),
    headFor: (tenantId, periodStart) => root.headFor(tenantId, periodStart),
    headCovering: (tenantId, leafIndex) => root.headCovering(tenantId, leafIndex),
    lastHead: (tenantId) => root.lastHead(tenantId),
    heads: (tenantId, after, limit) => root.heads(tenantId, after ?? null, limit),
    headAt: (headIndex) => root.headAt(headIndex),
    witnessSizes: () => root.witnessSizes(),
    putWitnessSize: (witness, size) => root.putWitnessSize(witness, size),
    putKey: (jwk) => root.putKey(jwk),
    keys: () => root.keys(),
    acquireSealLease: (holder, now, ttlMs) => root.acquireSealLease(holder, now, ttlMs),
    releaseSealLease: (holder) => root.releaseSealLease(holder),
    async close() {
      // Nothing to release: every call is one request to an object.
    },
  };
}
