export type { QueueEntry, QueueStore, DeadLetterError } from './types.js';
export { QUEUED, DEAD } from './types.js';
export { memoryQueue } from './memory.js';
export { indexedDBQueue, type IndexedDBQueueOptions } from './indexeddb.js';
export { kvQueue, type KVNamespaceLike, type RedisLike, type KVQueueOptions } from './kv.js';
export { deadLetters, requeueDeadLetters } from './dead-letters.js';
