/**
 * `durableObjectStore`: the Store over Cloudflare Durable Objects, one object per
 * tenant as that log's sequencer and one root object (heads, checkpoints, lease),
 * each keeping its part in its own SQLite storage (src/server/log-objects.ts).
 * This object is stateless: a front Worker and the sealing object each make one
 * over the same objects, and every answer comes from storage. A seal calls only the
 * armed tenant logs (those that may have grown since their last head), not every
 * tenant: see log-objects.ts for the armed set and why it closes every tenant.
 */
import { AegisLogError } from '../protocol/index.js';
import { callLogObject, type LogObject } from './log-object-wire.js';
import type { RootLogMethods, TenantAppend, TenantLogMethods } from './log-objects.js';
import { signatureWritesError } from './store-rules.js';
import { ROOT_LOG, type Store } from './types.js';

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
  return new Proxy({} as Remote<M>, { get: (_target, method: string) => (method === 'then' ? undefined : (...args: unknown[]) => callLogObject(object(), method, args)) });
}

export function durableObjectStore(options: DurableObjectStoreOptions): Store {
  const root = remote<RootLogMethods>(options.root);
  const tenant = (tenantId: string) => {
    if (tenantId === ROOT_LOG) throw new AegisLogError('ERR_LOG_OBJECT_CALL', 'the root log is not a tenant');
    return remote<TenantLogMethods>(() => options.tenant(tenantId));
  };
  /**
   * Each armed tenant with its last head and the received_at of its first entry no head covers: a tenant
   * outside the armed set has every entry covered (log-objects.ts, invariant B), so it is not asked.
   */
  const pending = async () =>
    Promise.all((await root.tenantHeads()).map(async (t) => ({ ...t, since: await tenant(t.tenantId).timeAt(t.headSize) })));

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
      const answers = await Promise.all(armed.map((t) => tenant(t.tenantId).close(periodEnd, t.generation)));
      const disarmed = armed.flatMap((t, i) => (answers[i] ? [{ tenantId: t.tenantId, ...answers[i] }] : []));
      if (disarmed.length > 0) await root.disarm(disarmed);
    },
    async grownLogs(periodEnd) {
      return (await pending())
        .filter((t) => t.since !== undefined && t.since < periodEnd)
        .map((t) => ({ tenantId: t.tenantId, prevTreeSize: t.headSize, prevHeadIndex: t.lastHeadIndex }));
    },
    sizeAt: (tenantId, time) => tenant(tenantId).sizeAt(time),
    commitSeal: (seal) => root.commitSeal(seal),
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
