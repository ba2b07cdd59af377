/**
 * Witness state in a Cloudflare Durable Object's storage. An update runs
 * inside `blockConcurrencyWhile`: no other request reaches the object between
 * the read and the write, which is the atomic check tlog-witness.md asks for.
 * Values are structured-cloned (Uint8Array as is); one value stays far below
 * the 128 KiB limit as long as a request body does (the example caps it at 64 KiB).
 */
import { hexEncode, sha256 } from '../protocol/index.js';
import {
  MAX_REFUSALS_KEPT, MAX_REFUSALS_PER_ORIGIN, refusalIdentity,
  type CosignedCheckpoint, type Refusal, type RefusalKind, type WitnessStore,
} from './store.js';

/** The part of `DurableObjectStorage` used here. */
export interface DurableObjectStorageLike {
  get<T = unknown>(key: string): Promise<T | undefined>;
  put<T>(key: string, value: T): Promise<void>;
  /** `start`: the first key to list (Cloudflare's storage has it), for pages of refusals. */
  list<T = unknown>(options: { prefix: string; start?: string; limit?: number }): Promise<Map<string, T>>;
}

/** The part of `DurableObjectState` used here. */
export interface DurableObjectStateLike {
  storage: DurableObjectStorageLike;
  blockConcurrencyWhile<T>(callback: () => Promise<T>): Promise<T>;
}

export function durableObjectWitnessStore(state: DurableObjectStateLike): WitnessStore {
  const { storage } = state;
  const latestKey = (origin: string) => `latest\u0000${origin}`;
  // The sequence of the next refusal, over all kinds (so list() gives them oldest first).
  const countKey = (origin: string) => `refusals\u0000${origin}`;
  // Zero-padded so that list() (in key order) gives them oldest first.
  const refusalKey = (origin: string, i: number) => `refusal\u0000${origin}\u0000${String(i).padStart(6, '0')}`;
  const refusalPrefix = (origin: string) => `refusal\u0000${origin}\u0000`;
  // Added later: counts per kind, and a key per kept refusalIdentity, its SHA-256 in hex. The counts' key was named
  // anew when the identity changed: seen keys of the old identity match no refusal, so an origin counted under it
  // is counted again (below), its seen keys made anew; else each refusal it kept would be kept once more.
  const kindsKey = (origin: string) => `kinds2\u0000${origin}`;
  const seenKey = (origin: string, r: Refusal) => `seen\u0000${origin}\u0000${hexEncode(sha256(new TextEncoder().encode(refusalIdentity(r))))}`;
  type Kinds = Partial<Record<RefusalKind, number>>;

  /** The counts per kind; for an origin kept by an older version (no such key), made once from its refusals. */
  async function kinds(origin: string): Promise<Kinds> {
    const known = await storage.get<Kinds>(kindsKey(origin));
    if (known) return known;
    const counts: Kinds = {};
    const old = [...(await storage.list<Refusal>({ prefix: refusalPrefix(origin) })).values()];
    for (const r of old) counts[r.kind] = (counts[r.kind] ?? 0) + 1;
    await Promise.all([...old.map((r) => storage.put(seenKey(origin, r), 1)), storage.put(kindsKey(origin), counts)]);
    return counts;
  }

  return {
    latest: (origin) => storage.get<CosignedCheckpoint>(latestKey(origin)),
    update(origin, decide) {
      return state.blockConcurrencyWhile(async () => {
        const decision = decide(await storage.get<CosignedCheckpoint>(latestKey(origin)));
        if (decision.write) await storage.put(latestKey(origin), decision.write);
        const r = decision.refusal;
        if (r) {
          const counts = await kinds(origin);
          const seen = seenKey(origin, r);
          if ((counts[r.kind] ?? 0) < MAX_REFUSALS_PER_ORIGIN && (await storage.get(seen)) === undefined) {
            const next = (await storage.get<number>(countKey(origin))) ?? 0;
            // No await between the puts: the runtime commits them together.
            await Promise.all([
              storage.put(refusalKey(origin, next), r), storage.put(countKey(origin), next + 1),
              storage.put(kindsKey(origin), { ...counts, [r.kind]: (counts[r.kind] ?? 0) + 1 }), storage.put(seen, 1),
            ]);
          }
        }
        return decision.result;
      });
    },
    async refusals(origin, limit = MAX_REFUSALS_KEPT, after = 0) {
      // Kept refusals are numbered 0, 1, … with no gaps: the page starts at number `after`.
      const found = await storage.list<Refusal>({ prefix: refusalPrefix(origin), start: refusalKey(origin, after), limit });
      return [...found.values()];
    },
  };
}
