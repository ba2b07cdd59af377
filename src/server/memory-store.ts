import type { CheckpointV1, EcPublicJwk, TenantHeadV1 } from '../protocol/index.js';
import { checkpointOrderError, compareLeaf, compareTenantIds } from './store-rules.js';
import type { LeafCursor, PutOutcome, Store, StoredRecord } from './types.js';

/**
 * A store in memory, for tests and edge demos: everything is lost when the
 * process ends. Writes happen in one synchronous step, so each call is atomic.
 */
export function memoryStore(): Store {
  const records = new Map<string, StoredRecord>();
  /** Per tenant, kept in leaf order by insertion sort (receipts mostly arrive in time order). */
  const byTenant = new Map<string, StoredRecord[]>();
  const checkpointList: CheckpointV1[] = [];
  const heads = new Map<string, TenantHeadV1[]>();
  const keyMap = new Map<string, EcPublicJwk & { kid: string }>();
  const idOf = (tenantId: string, eventId: string) => `${tenantId}\u0000${eventId}`;

  function inRange(list: StoredRecord[], start: string, end: string): StoredRecord[] {
    return list.filter((r) => r.receipt.received_at >= start && r.receipt.received_at < end);
  }

  return {
    async putRecords(batch) {
      const outcomes: PutOutcome[] = [];
      for (const record of batch) {
        const id = idOf(record.receipt.tenant_id, record.receipt.event_id);
        const existing = records.get(id);
        if (existing) {
          outcomes.push({ stored: false, existing });
          continue;
        }
        records.set(id, record);
        const list = byTenant.get(record.receipt.tenant_id) ?? [];
        let i = list.length;
        while (i > 0 && compareLeaf(list[i - 1]!.receipt, record.receipt) > 0) i--;
        list.splice(i, 0, record);
        byTenant.set(record.receipt.tenant_id, list);
        outcomes.push({ stored: true });
      }
      return outcomes;
    },
    async getRecord(tenantId, eventId) {
      return records.get(idOf(tenantId, eventId));
    },
    async leaves(tenantId, start, end) {
      return inRange(byTenant.get(tenantId) ?? [], start, end).map((r) => r.receiptHash);
    },
    async page(tenantId, start, end, after: LeafCursor | undefined, limit) {
      const list = inRange(byTenant.get(tenantId) ?? [], start, end);
      const from = after ? list.findIndex((r) => compareLeaf(r.receipt, after) > 0) : 0;
      return from < 0 ? [] : list.slice(from, from + limit);
    },
    async tenantsIn(start, end) {
      const tenants = [...byTenant.entries()].filter(([, list]) => inRange(list, start, end).length > 0).map(([t]) => t);
      return tenants.sort(compareTenantIds);
    },
    async earliestReceipt(from) {
      let earliest: string | undefined;
      for (const list of byTenant.values()) {
        const first = list.find((r) => r.receipt.received_at >= from);
        if (first && (earliest === undefined || first.receipt.received_at < earliest)) earliest = first.receipt.received_at;
      }
      return earliest;
    },
    async putCheckpoint(checkpoint, periodHeads) {
      const problem = checkpointOrderError(checkpointList.at(-1), checkpoint);
      if (problem) throw problem;
      checkpointList.push(checkpoint);
      heads.set(checkpoint.period_start, [...periodHeads]);
    },
    async latestCheckpoint() {
      return checkpointList.at(-1);
    },
    async checkpointAt(time) {
      return checkpointList.find((c) => c.period_start <= time && time < c.period_end);
    },
    async checkpoints(from, to, limit) {
      return checkpointList
        .filter((c) => (from === undefined || c.period_end > from) && (to === undefined || c.period_start < to))
        .slice(0, limit);
    },
    async tenantHeads(periodStart) {
      return heads.get(periodStart) ?? [];
    },
    async putKey(jwk) {
      if (!keyMap.has(jwk.kid)) keyMap.set(jwk.kid, jwk);
    },
    async keys() {
      return [...keyMap.values()];
    },
    async close() {},
  };
}
