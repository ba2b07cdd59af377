/**
 * One queued event. `body` is the event's JSON text, frozen when record() was
 * called (and numbered when it was written, see `QueueStore.append`): later
 * changes to the caller's objects cannot alter the evidence, and a batch is
 * built by joining texts, with no second serialisation.
 */
export interface QueueEntry {
  /** Store key: `q…` while queued, `d…` once dead-lettered; sorts oldest first. */
  key: string;
  event_id: string;
  body: string;
  /** Dead letters only: why the server refused the event. */
  error?: DeadLetterError;
}

export interface DeadLetterError {
  code: string;
  message: string;
  status?: number;
  field?: string;
}

/** Numbers dropped since the last `aegislog.dropped` event (PROTOCOL.md §2): how many, and the range they fall in. */
export interface DroppedRange {
  count: number;
  first_seq: number;
  last_seq: number;
}

/**
 * What a queue store keeps beside its events, read and written in the same
 * transaction as the records it numbers (PROTOCOL.md §2).
 */
export interface QueueState {
  /** `client_id` of every event this store numbers: random, made by the client on the first append (`''` until then). */
  client_id: string;
  /** The `client_seq` the next record takes, dropped or not. */
  next_seq: number;
  /** Queued events (`q…`) in the whole store, all tabs or isolates together: before the append for `plan` (which leaves it), after it in the result. */
  size: number;
  /** Drops not yet told in an `aegislog.dropped` event. */
  dropped?: DroppedRange;
}

/**
 * Where queued events wait for the server's acknowledgement. Deliberately
 * small (idb-keyval's spirit), so a new backend is a page of code. The queue
 * and the dead letters live in the same store under two key prefixes.
 */
export interface QueueStore {
  /** Identifies the underlying storage. Stores with the same name share events (tabs of one origin); it names the flush lock. */
  readonly name: string;
  /** True when other tabs may write the same storage, so flushing takes the Web Lock. */
  readonly shared: boolean;
  /**
   * Records, numbered: in one transaction, reads the store's state, calls `plan`
   * with it (synchronously; `plan` sets `client_id`, `next_seq` and `dropped`,
   * and returns the `q…` entries to write, numbered), then writes those entries
   * and the state. Resolves with the state after the write, `size` included.
   * Where the backend has no transactions (Workers KV, Redis) the numbering
   * lives in this store object instead, appends run one at a time, and `size`
   * is counted by listing: see kv.ts.
   */
  append(plan: (state: QueueState) => QueueEntry[]): Promise<QueueState>;
  /**
   * Writes entries as they are (dead letters, requeued events), each in place of any entry under its key, and
   * deletes the keys of `replacing`: all in one transaction where the backend has them, so that an event moved
   * (dead-lettered, requeued) is never in both places after a crash. The client still deletes `replacing`
   * afterwards, for stores that ignore it (written before it existed, or without transactions).
   */
  put(entries: readonly QueueEntry[], replacing?: readonly string[]): Promise<void>;
  /** Entries whose key starts with `prefix`, in key order, at most `limit`. */
  list(prefix: string, limit: number): Promise<QueueEntry[]>;
  delete(keys: readonly string[]): Promise<void>;
  count(prefix: string): Promise<number>;
}

export const QUEUED = 'q';
export const DEAD = 'd';

/** A store's state before its first append. */
export const freshState = (size: number): QueueState => ({ client_id: '', next_seq: 1, size });
