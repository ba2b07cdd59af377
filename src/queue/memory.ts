import { QUEUED, freshState, type QueueEntry, type QueueStore } from './types.js';

/** Keeps events in this JavaScript realm only: lost with the process or page. The default where nothing durable exists. */
export function memoryQueue(name = 'memory'): QueueStore {
  const entries = new Map<string, QueueEntry>();
  const state = freshState(0);
  const keysWith = (prefix: string) => [...entries.keys()].filter((k) => k.startsWith(prefix));
  const put = (list: readonly QueueEntry[]) => {
    for (const entry of list) {
      if (entry.key.startsWith(QUEUED) && !entries.has(entry.key)) state.size++;
      entries.set(entry.key, entry);
    }
  };
  const remove = (keys: readonly string[]) => {
    for (const key of keys) if (entries.delete(key) && key.startsWith(QUEUED)) state.size--;
  };
  return {
    name,
    shared: false,
    async append(plan) {
      // A copy for `plan`: nothing in this realm can interleave, but a plan that throws must leave the state as it was.
      const next = { ...state, dropped: state.dropped && { ...state.dropped } };
      const list = plan(next);
      Object.assign(state, next, { size: state.size });
      if (!next.dropped) delete state.dropped;
      put(list);
      return { ...state };
    },
    async put(list, replacing = []) {
      remove(replacing);
      put(list);
    },
    async list(prefix, limit) {
      // At most `limit`: slice(0, -1) would be every entry but the last.
      return keysWith(prefix).sort().slice(0, Math.max(0, limit)).map((k) => entries.get(k)!);
    },
    async delete(keys) {
      remove(keys);
    },
    async count(prefix) {
      return keysWith(prefix).length;
    },
  };
}
