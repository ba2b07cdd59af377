/**
 * One queued event. `body` is the event's JSON text, frozen when record() was
 * called: later changes to the caller's objects cannot alter the evidence, and
 * a batch is built by joining texts, with no second serialisation.
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

/**
 * Where queued events wait for the server's acknowledgement. Deliberately
 * small (idb-keyval's spirit), so a new backend is a page of code. The queue
 * and the dead letters live in the same store under two key prefixes.
 */
export interface QueueStore {
  /** Identifies the underlying storage. Stores with the same name share events (tabs of one origin); it names the flush lock. */
  readonly name: string;
  /** True when other tabs or processes may write the same storage, so flushing needs a lock. */
  readonly shared: boolean;
  /** Writes all entries, atomically where the backend can (IndexedDB: one transaction). */
  put(entries: readonly QueueEntry[]): Promise<void>;
  /** Entries whose key starts with `prefix`, in key order, at most `limit`. */
  list(prefix: string, limit: number): Promise<QueueEntry[]>;
  delete(keys: readonly string[]): Promise<void>;
  count(prefix: string): Promise<number>;
}

export const QUEUED = 'q';
export const DEAD = 'd';
