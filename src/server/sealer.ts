import { b64uEncode, canonicalBytes, checkpointHash, formatTime, parseTime, SIGNING_ALG, tenantHeadHash } from '../protocol/index.js';
import type { CheckpointV1, CheckpointStatementV1, TenantHeadV1 } from '../protocol/index.js';
import { merkleRoot } from '../tlog/merkle.js';
import { SealLock } from './lock.js';
import type { Signer, Store } from './types.js';

/**
 * Periods and sealing (PROTOCOL.md §4).
 *
 * Natural boundaries are multiples of the period since the Unix epoch (so a
 * 86400 s period is the UTC day). A period is `[start, end)`: `start` is where
 * the previous checkpoint ended (the first one starts at the boundary at or
 * before the first receipt); `end` is the next natural boundary, or the moment
 * `sealNow()` was called. After an early seal at time t the open period is
 * `[t, next boundary)`. A run of periods without a single receipt is sealed as
 * one empty checkpoint that ends on a boundary, so a server that was down for
 * long writes one checkpoint for the gap, not one per period.
 *
 * `received_at` is `max(now, end of the last seal)`, chosen and committed
 * under a shared lock that sealing takes exclusively: no receipt is ever
 * issued inside a sealed period, even if the clock steps back.
 */
export interface SealerOptions {
  store: Store;
  signer: Signer;
  periodMs: number;
  now: () => number;
  logId: string;
}

export type Sealer = ReturnType<typeof createSealer>;

export function createSealer({ store, signer, periodMs, now, logId }: SealerOptions) {
  const lock = new SealLock();
  let latest: CheckpointV1 | undefined;
  /** Before the first checkpoint, the earliest receipt time seen: where the first period starts. */
  let firstReceipt: number | undefined;
  const floor = (ms: number) => Math.floor(ms / periodMs) * periodMs;
  const lastEnd = () => (latest ? parseTime(latest.period_end) : undefined);

  async function sealPeriod(start: number, end: number, sealedAt: number): Promise<CheckpointV1> {
    const [periodStart, periodEnd] = [formatTime(start), formatTime(end)];
    const heads: TenantHeadV1[] = [];
    for (const tenantId of await store.tenantsIn(periodStart, periodEnd)) {
      const leaves = await store.leaves(tenantId, periodStart, periodEnd);
      const root = b64uEncode(merkleRoot(leaves));
      heads.push({ v: 1, tenant_id: tenantId, period_start: periodStart, period_end: periodEnd, tree_size: leaves.length, root_b64url: root });
    }
    const statement: CheckpointStatementV1 = {
      v: 1,
      log_id: logId,
      period_start: periodStart,
      period_end: periodEnd,
      tree_size: heads.length,
      root_b64url: b64uEncode(merkleRoot(heads.map(tenantHeadHash))),
      prev_b64url: latest ? b64uEncode(checkpointHash(latest)) : null,
      sealed_at: formatTime(sealedAt),
      key_id: signer.keyId,
      signing_alg: SIGNING_ALG,
    };
    const checkpoint: CheckpointV1 = { ...statement, signature_b64url: b64uEncode(await signer.sign(canonicalBytes(statement))) };
    await store.putCheckpoint(checkpoint, heads);
    latest = checkpoint;
    return checkpoint;
  }

  /** Start of the open period as the store has it: where the last checkpoint ended, else the boundary before the first receipt (none yet: undefined). */
  async function storedOpenStart(): Promise<number | undefined> {
    const end = lastEnd();
    if (end !== undefined) return end;
    const first = await store.earliestReceipt('');
    return first === undefined ? undefined : floor(parseTime(first));
  }

  /** Seals every period that ended by `t`. Runs under the exclusive lock. */
  async function sealEnded(t: number): Promise<CheckpointV1[]> {
    const sealed: CheckpointV1[] = [];
    for (;;) {
      const start = await storedOpenStart();
      if (start === undefined) return sealed;
      let end = floor(start) + periodMs;
      if (end > t) return sealed;
      const first = await store.earliestReceipt(formatTime(start));
      const firstMs = first === undefined ? Infinity : parseTime(first);
      if (firstMs >= end) end = floor(Math.min(firstMs, t)); // an empty run: one checkpoint up to the last boundary before activity
      sealed.push(await sealPeriod(start, end, t));
    }
  }

  return {
    async load(): Promise<void> {
      latest = await store.latestCheckpoint();
      const first = latest ? undefined : await store.earliestReceipt('');
      firstReceipt = first === undefined ? undefined : parseTime(first);
    },
    latest: () => latest,
    /** When the open period ends: after that, `sealDue()` has work. */
    openPeriodEnd(): number {
      return floor(lastEnd() ?? firstReceipt ?? now()) + periodMs;
    },
    /** Start of the open period: where the last checkpoint ended, else the boundary before the first receipt (or `now`). */
    openPeriodStart(): number {
      return lastEnd() ?? floor(firstReceipt ?? now());
    },
    /** Runs `issue` with a `received_at` (ms) that no seal can overtake before `issue` settles. */
    withReceiptTime<T>(issue: (receivedAt: number) => Promise<T>): Promise<T> {
      return lock.shared(() => {
        const receivedAt = Math.max(now(), lastEnd() ?? -Infinity);
        if (latest === undefined) firstReceipt = Math.min(firstReceipt ?? receivedAt, receivedAt);
        return issue(receivedAt);
      });
    },
    /** Seals every period that has ended; idempotent. */
    sealDue(): Promise<CheckpointV1[]> {
      return lock.exclusive(() => sealEnded(now()));
    },
    /** Seals the ended periods and then the open one, ending it now. `sealed` is empty when there was nothing open to seal. */
    sealNow(): Promise<CheckpointV1[]> {
      return lock.exclusive(async () => {
        const t = now();
        const sealed = await sealEnded(t);
        const start = (await storedOpenStart()) ?? floor(t);
        if (start < t) sealed.push(await sealPeriod(start, t, t));
        return sealed;
      });
    },
  };
}
