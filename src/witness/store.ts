/**
 * What a witness keeps: per log origin, the latest checkpoint it cosigned,
 * and the refusals that may prove a log misbehaved. One contract for memory,
 * SQLite, a file and Durable Object storage; test/witness/stores.test.ts
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
  /**
   * The add-checkpoint request rebuilt from what verified: its old size, its
   * proof lines, and the checkpoint with only the log signatures that
   * verified. Not the body as received: lines of unknown keys (ignored when
   * verifying) would let anybody pad each kept refusal to the body limit.
   */
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
  /**
   * Kept refusals of the origin, oldest first, at most `limit` (default: all kept, up to 3 × MAX_REFUSALS_PER_ORIGIN),
   * after the first `after` (default 0). Refusals are only ever appended, so `after` pages through them.
   */
  refusals(origin: string, limit?: number, after?: number): Promise<Refusal[]>;
  close?(): Promise<void>;
}

/**
 * Evidence is bounded per origin and per kind: the first 1000 refusals of each
 * kind, so that a log cannot fill the witness's disk, and a flood of one kind
 * (anybody can replay old checkpoints) crowds out no other, such as a fork
 * only the log's key can sign. An exact duplicate (same `refusalIdentity`) is
 * kept once. (The name says per origin; it is kept for API stability.)
 */
export const MAX_REFUSALS_PER_ORIGIN = 1000;

const KINDS = 3;
/** All one origin can keep: the default `limit` of `refusals`. */
export const MAX_REFUSALS_KEPT = MAX_REFUSALS_PER_ORIGIN * KINDS;

/**
 * What makes two refusals the same evidence. For `inconsistent`, the pair of
 * trees, not the proof: anybody can send a log's public checkpoint with a new
 * junk proof each time, and kept per request such a flood would fill the
 * kind's slots. For `smaller-tree` and `same-size-other-root`, the checkpoint
 * and the answer: what they show is the checkpoint against the cosigned tree,
 * and the `old` size and proof lines are the sender's, free to vary (one
 * replayed old checkpoint with `old` 0, 1, 2, … filled the slots); the answer
 * tells the ways a log could send it apart (a 400 for an `old` above the
 * checkpoint's size, a 409 below it). The first request of each is kept.
 */
export function refusalIdentity(r: Refusal): string {
  return r.kind === 'inconsistent' ? `${r.kind}\n${checkpointPair(r.request)}` : `${r.kind}\n${r.status}\n${checkpointOf(r.request)}`;
}

/** The checkpoint text (the note without its signatures) of an add-checkpoint request; the request if it is not one as rebuilt. */
function checkpointOf(request: string): string {
  const header = request.indexOf('\n\n');
  const note = request.slice(header + 2);
  const signatures = note.indexOf('\n\n');
  return header < 0 || signatures < 0 ? request : note.slice(0, signatures + 1);
}

/** The `old` line and the checkpoint text (the note without its signatures) of an add-checkpoint request. */
function checkpointPair(request: string): string {
  const checkpoint = checkpointOf(request);
  // Not as rebuilt by the witness: kept as it is.
  return checkpoint === request ? request : `${request.slice(0, request.indexOf('\n'))}\n${checkpoint}`;
}

/** The refusals one origin keeps, in memory: for the memory and file stores. */
export class KeptRefusals {
  readonly list: Refusal[] = [];
  private readonly seen = new Set<string>();
  private readonly counts = new Map<RefusalKind, number>();

  /** Whether `r` is to be kept under the bounds above. */
  admits(r: Refusal): boolean {
    return !this.seen.has(refusalIdentity(r)) && (this.counts.get(r.kind) ?? 0) < MAX_REFUSALS_PER_ORIGIN;
  }

  add(r: Refusal): void {
    this.list.push(r);
    this.seen.add(refusalIdentity(r));
    this.counts.set(r.kind, (this.counts.get(r.kind) ?? 0) + 1);
  }

  /** `WitnessStore.refusals` of these. */
  static page(kept: KeptRefusals | undefined, limit = MAX_REFUSALS_KEPT, after = 0): Refusal[] {
    return (kept?.list ?? []).slice(after, after + limit);
  }
}

/** In memory: for tests and for a witness whose state may be lost (never for a public one). */
export function memoryWitnessStore(): WitnessStore {
  const latest = new Map<string, CosignedCheckpoint>();
  const refusals = new Map<string, KeptRefusals>();
  return {
    async latest(origin) {
      return latest.get(origin);
    },
    async update(origin, decide) {
      // No await between the read and the writes: nothing else runs in between.
      const decision = decide(latest.get(origin));
      if (decision.write) latest.set(origin, decision.write);
      const r = decision.refusal;
      if (r) {
        const kept = refusals.get(origin) ?? new KeptRefusals();
        if (kept.admits(r)) kept.add(r);
        refusals.set(origin, kept);
      }
      return decision.result;
    },
    async refusals(origin, limit, after) {
      return KeptRefusals.page(refusals.get(origin), limit, after);
    },
  };
}
