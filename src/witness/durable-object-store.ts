/**
 * Witness state in a Cloudflare Durable Object's storage. An update runs
 * inside `blockConcurrencyWhile`: no other request reaches the object between
 * the read and the write, which is the atomic check tlog-witness.md asks for.
 * Values are structured-cloned (Uint8Array as is); one value stays far below
 * the 128 KiB limit as long as a request body does (the example caps it at 64 KiB).
 */
import { MAX_REFUSALS_PER_ORIGIN, type CosignedCheckpoint, type Refusal, type WitnessStore } from './store.js';

/** The part of `DurableObjectStorage` used here. */
export interface DurableObjectStorageLike {
  get<T = unknown>(key: string): Promise<T | undefined>;
  put<T>(key: string, value: T): Promise<void>;
  list<T = unknown>(options: { prefix: string; limit?: number }): Promise<Map<string, T>>;
}

/** The part of `DurableObjectState` used here. */
export interface DurableObjectStateLike {
  storage: DurableObjectStorageLike;
  blockConcurrencyWhile<T>(callback: () => Promise<T>): Promise<T>;
}

export function durableObjectWitnessStore(state: DurableObjectStateLike): WitnessStore {
  const { storage } = state;
  const latestKey = (origin: string) => `latest\u0000${origin}`;
  const countKey = (origin: string) => `refusals\u0000${origin}`;
  // Zero-padded so that list() (in key order) gives them oldest first.
  const refusalKey = (origin: string, i: number) => `refusal\u0000${origin}\u0000${String(i).padStart(6, '0')}`;
  return {
    latest: (origin) => storage.get<CosignedCheckpoint>(latestKey(origin)),
    update(origin, decide) {
      return state.blockConcurrencyWhile(async () => {
        const decision = decide(await storage.get<CosignedCheckpoint>(latestKey(origin)));
        if (decision.write) await storage.put(latestKey(origin), decision.write);
        if (decision.refusal) {
          const count = (await storage.get<number>(countKey(origin))) ?? 0;
          if (count < MAX_REFUSALS_PER_ORIGIN) {
            await storage.put(refusalKey(origin, count), decision.refusal);
            await storage.put(countKey(origin), count + 1);
          }
        }
        return decision.result;
      });
    },
    async refusals(origin, limit = MAX_REFUSALS_PER_ORIGIN) {
      const found = await storage.list<Refusal>({ prefix: `refusal\u0000${origin}\u0000`, limit });
      return [...found.values()];
    },
  };
}
