/**
 * Witness state in a Cloudflare Durable Object's storage. An update runs
 * inside `blockConcurrencyWhile`: no other request reaches the object between
 * the read and the write, which is the atomic check tlog-witness.md asks for.
 * Values are structured-cloned (Uint8Array as is).
 *
 * Cloudflare takes at most 128 KiB a value, as V8 serializes it, and a string
 * holding a character above U+00FF (every note has "—") takes two bytes a
 * character there: a 64 KiB request alone comes to 128 KiB. So a checkpoint or
 * a refusal whose texts are long keeps them apart, as UTF-8 in parts of
 * `PART_BYTES` under keys of their own, written in the same batch as the value
 * that counts them (puts with no await between them are committed together).
 * A value without counts holds its texts, as every earlier version wrote it.
 */
import { AegisLogError, hexEncode, sha256 } from '../protocol/index.js';
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

/** Texts up to this many UTF-16 units in all stay in their value: at most 64 KiB serialized, half the bound. */
const INLINE_UNITS = 32 * 1024;
/** One part of a long text: UTF-8 bytes, well below the bound. */
const PART_BYTES = 64 * 1024;

/** A cosigned checkpoint as kept: with `noteParts`, its note is in that many parts (and `note` is empty). */
type KeptCheckpoint = CosignedCheckpoint & { noteParts?: number };
/** A refusal as kept: with `requestParts`, its request and cosigned note are in parts (and empty here). */
type KeptRefusal = Refusal & { requestParts?: number; noteParts?: number };

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
  // A part of the text `field` of the value under `key`; never listed, so no prefix of a listed key.
  const partKey = (key: string, field: 'note' | 'request', i: number) => `part\u0000${key}\u0000${field}\u0000${i}`;

  /** Puts `text`'s parts (issued at once, not awaited: the caller puts the value that counts them in the same batch). */
  function putParts(key: string, field: 'note' | 'request', text: string): { count: number; puts: Promise<void>[] } {
    const bytes = new TextEncoder().encode(text);
    const puts: Promise<void>[] = [];
    for (let at = 0, i = 0; at < bytes.length; at += PART_BYTES, i++) puts.push(storage.put(partKey(key, field, i), bytes.slice(at, at + PART_BYTES)));
    return { count: puts.length, puts };
  }

  async function readParts(key: string, field: 'note' | 'request', count: number): Promise<string> {
    const parts = await Promise.all(Array.from({ length: count }, (_, i) => storage.get<Uint8Array>(partKey(key, field, i))));
    const missing = parts.findIndex((p) => !(p instanceof Uint8Array));
    if (missing >= 0) throw new AegisLogError('ERR_CONFIG', `Durable Object storage is damaged: ${JSON.stringify(partKey(key, field, missing))} is missing`, { field: 'storage' });
    const bytes = new Uint8Array(parts.reduce((n, p) => n + p!.length, 0));
    let at = 0;
    for (const p of parts) {
      bytes.set(p!, at);
      at += p!.length;
    }
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  }

  /** The puts of a new latest checkpoint, issued at once. */
  function putLatest(key: string, record: CosignedCheckpoint): Promise<void>[] {
    if (record.note.length + record.origin.length <= INLINE_UNITS) return [storage.put(key, record)];
    const note = putParts(key, 'note', record.note);
    return [...note.puts, storage.put<KeptCheckpoint>(key, { ...record, note: '', noteParts: note.count })];
  }

  async function readLatest(key: string): Promise<CosignedCheckpoint | undefined> {
    const kept = await storage.get<KeptCheckpoint>(key);
    if (!kept) return undefined;
    const { noteParts, ...record } = kept;
    return noteParts === undefined ? record : { ...record, note: await readParts(key, 'note', noteParts) };
  }

  /** The puts of a refusal, issued at once. */
  function putRefusal(key: string, r: Refusal): Promise<void>[] {
    if (r.request.length + r.cosigned.note.length + r.reason.length + r.origin.length <= INLINE_UNITS) return [storage.put(key, r)];
    const request = putParts(key, 'request', r.request);
    const note = putParts(key, 'note', r.cosigned.note);
    const head: KeptRefusal = { ...r, request: '', cosigned: { ...r.cosigned, note: '' }, requestParts: request.count, noteParts: note.count };
    return [...request.puts, ...note.puts, storage.put(key, head)];
  }

  async function readRefusal(key: string, kept: KeptRefusal): Promise<Refusal> {
    const { requestParts, noteParts, ...r } = kept;
    if (requestParts === undefined) return r;
    const [request, note] = await Promise.all([readParts(key, 'request', requestParts), readParts(key, 'note', noteParts ?? 0)]);
    return { ...r, request, cosigned: { ...r.cosigned, note } };
  }

  /** Kept refusals listed from `start`, read whole. */
  async function listRefusals(options: { prefix: string; start?: string; limit?: number }): Promise<Refusal[]> {
    const found = await storage.list<KeptRefusal>(options);
    return Promise.all([...found].map(([key, kept]) => readRefusal(key, kept)));
  }


  /** The counts per kind; for an origin kept by an older version (no such key), made once from its refusals. */
  async function kinds(origin: string): Promise<Kinds> {
    const known = await storage.get<Kinds>(kindsKey(origin));
    if (known) return known;
    const counts: Kinds = {};
    const old = await listRefusals({ prefix: refusalPrefix(origin) });
    for (const r of old) counts[r.kind] = (counts[r.kind] ?? 0) + 1;
    await Promise.all([...old.map((r) => storage.put(seenKey(origin, r), 1)), storage.put(kindsKey(origin), counts)]);
    return counts;
  }

  return {
    // One at a time with updates: a note in parts is read in several steps, and an update rewrites those parts.
    latest: (origin) => state.blockConcurrencyWhile(() => readLatest(latestKey(origin))),
    update(origin, decide) {
      return state.blockConcurrencyWhile(async () => {
        const decision = decide(await readLatest(latestKey(origin)));
        if (decision.write) await Promise.all(putLatest(latestKey(origin), decision.write));
        const r = decision.refusal;
        if (r) {
          const counts = await kinds(origin);
          const seen = seenKey(origin, r);
          if ((counts[r.kind] ?? 0) < MAX_REFUSALS_PER_ORIGIN && (await storage.get(seen)) === undefined) {
            const next = (await storage.get<number>(countKey(origin))) ?? 0;
            // No await between the puts: the runtime commits them together.
            await Promise.all([
              ...putRefusal(refusalKey(origin, next), r), storage.put(countKey(origin), next + 1),
              storage.put(kindsKey(origin), { ...counts, [r.kind]: (counts[r.kind] ?? 0) + 1 }), storage.put(seen, 1),
            ]);
          }
        }
        return decision.result;
      });
    },
    async refusals(origin, limit = MAX_REFUSALS_KEPT, after = 0) {
      // Kept refusals are numbered 0, 1, … with no gaps: the page starts at number `after`.
      return listRefusals({ prefix: refusalPrefix(origin), start: refusalKey(origin, after), limit });
    },
  };
}
