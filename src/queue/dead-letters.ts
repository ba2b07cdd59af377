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
  // Queue copy first, dead letter deleted after: a crash in between leaves a duplicate, never a loss.
  await store.put(dead.map(({ error: _, ...e }) => ({ ...e, key: QUEUED + e.key.slice(DEAD.length).split('~')[0] + mark })));
  await store.delete(dead.map((e) => e.key));
  return dead.length;
}
