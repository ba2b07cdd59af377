/**
 * What a witness keeps: per log origin, the latest checkpoint it cosigned,
 * and the refusals that may prove a log misbehaved. One contract for memory,
 * SQLite, a file and Durable Object storage; test/witness/store-conformance.ts
 * is that contract.
 */

export interface CosignedCheckpoint {
  origin: string;
  size: number;
  /** RFC 6962 root, 32 bytes. */
  root: Uint8Array;
  /** The checkpoint as cosigned: its text, the log signatures the witness verified, the witness's cosignature lines. */
  note: string;
  /** POSIX seconds of the cosignature. */
  time: number;
}

/**
 * Why a validly signed checkpoint was refused, when that may show a fork:
 * `same-size-other-root` (two roots for one size), `inconsistent` (no valid
 * consistency proof from the cosigned tree), `smaller-tree` (a size below the
 * cosigned one: a rollback, or an old checkpoint replayed).
 */
export type RefusalKind = 'same-size-other-root' | 'inconsistent' | 'smaller-tree';

export interface Refusal {
  origin: string;
  kind: RefusalKind;
  /** The HTTP status answered. */
  status: number;
  reason: string;
  /** The add-checkpoint body as received: old size, proof and the signed checkpoint. */
  request: string;
  /** What the witness had cosigned at the time: the other side of the fork. */
  cosigned: { size: number; root: Uint8Array; note: string };
  /** POSIX seconds. */
  time: number;
}

/** What `decide` wants done, atomically with the read it was given. */
export interface Decision<T> {
  /** The new latest checkpoint of the origin. */
  write?: CosignedCheckpoint;
  /** Evidence to keep. */
  refusal?: Refusal;
  result: T;
}

export interface WitnessStore {
  latest(origin: string): Promise<CosignedCheckpoint | undefined>;
  /**
   * Reads the origin's latest checkpoint, runs `decide` (synchronous, no I/O)
   * on it and applies its decision as one step: no other update of the origin
   * runs between that read and the write. This is what closes the race of
   * tlog-witness.md (a check against size N, then a write that rolls back).
   */
  update<T>(origin: string, decide: (latest: CosignedCheckpoint | undefined) => Decision<T>): Promise<T>;
  /** Kept refusals of the origin, oldest first, at most `limit`. */
  refusals(origin: string, limit?: number): Promise<Refusal[]>;
  close?(): Promise<void>;
}

/** Evidence is bounded per origin, so that a log cannot fill the witness's disk with forks; the first ones are kept. */
export const MAX_REFUSALS_PER_ORIGIN = 1000;

/** In memory: for tests and for a witness whose state may be lost (never for a public one). */
export function memoryWitnessStore(): WitnessStore {
  const latest = new Map<string, CosignedCheckpoint>();
  const refusals = new Map<string, Refusal[]>();
  return {
    async latest(origin) {
      return latest.get(origin);
    },
    async update(origin, decide) {
      // No await between the read and the writes: nothing else runs in between.
      const decision = decide(latest.get(origin));
      if (decision.write) latest.set(origin, decision.write);
      if (decision.refusal) {
        const list = refusals.get(origin) ?? [];
        if (list.length < MAX_REFUSALS_PER_ORIGIN) list.push(decision.refusal);
        refusals.set(origin, list);
      }
      return decision.result;
    },
    async refusals(origin, limit = MAX_REFUSALS_PER_ORIGIN) {
      return (refusals.get(origin) ?? []).slice(0, limit);
    },
  };
}
