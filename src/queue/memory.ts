import type { QueueEntry, QueueStore } from './types.js';

/** Keeps events in this JavaScript realm only: lost with the process or page. The default where nothing durable exists. */
export function memoryQueue(name = 'memory'): QueueStore {
  const entries = new Map<string, QueueEntry>();
  const keysWith = (prefix: string) => [...entries.keys()].filter((k) => k.startsWith(prefix));
  return {
    name,
    shared: false,
    async put(list) {
      for (const entry of list) entries.set(entry.key, entry);
    },
    async list(prefix, limit) {
      return keysWith(prefix).sort().slice(0, limit).map((k) => entries.get(k)!);
    },
    async delete(keys) {
      for (const key of keys) entries.delete(key);
    },
    async count(prefix) {
      return keysWith(prefix).length;
    },
  };
}
