import { DEAD, QUEUED, type QueueEntry, type QueueStore } from './types.js';

/** Events the server refused for good (each with its `error`), oldest first. Pass `log.queue`. */
export function deadLetters(store: QueueStore, limit = 1000): Promise<QueueEntry[]> {
  return store.list(DEAD, limit);
}

/** Puts dead letters back in the queue, after fixing what the server refused (a key, say); returns how many. Then `log.flush()`: the client learns of them there. */
export async function requeueDeadLetters(store: QueueStore, limit = 1000): Promise<number> {
  const dead = await store.list(DEAD, limit);
  // Each copy gets a key of this requeue's own (the original's, marked after a `~`: it sorts in the same place, and
  // no event_id holds one). A flush between the two steps below may send a copy and dead-letter it again: under
  // the original key, that new dead letter was the one the delete removed, and the event was gone.
  const mark = `~${Math.random().toString(36).slice(2)}`;
  // The copies replace the dead letters in one write where the store can; elsewhere the copies come first and
  // the delete after: a crash in between leaves a duplicate (the server dedupes), never a loss.
  const keys = dead.map((e) => e.key);
  await store.put(dead.map(({ error: _, ...e }) => ({ ...e, key: QUEUED + e.key.slice(DEAD.length).split('~')[0] + mark })), keys);
  await store.delete(keys);
  return dead.length;
}
