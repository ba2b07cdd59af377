/**
 * Evidence from tiles (PROTOCOL.md §6): every proof is read in O(log n) tile
 * reads, however large the tenant log or the root log, and cut to the latest
 * checkpoint, so a bundle fetched later carries more cosignatures.
 */
import { b64uEncode } from '../protocol/index.js';
import type { EvidenceBundle, ProofWire } from '../protocol/index.js';
import { consistencyFromTiles, inclusionFromTiles } from '../tlog/tile-proofs.js';
import { receiptFor, type Unsaved } from './ingest.js';
import type { LruCache } from './lru-cache.js';
import { storeTiles, type TileCache } from './tile-source.js';
import { ROOT_LOG, type LogName, type Signer, type Store, type StoredHead, type StoredRecord } from './types.js';

export interface EvidenceDeps {
  store: Store;
  signer: Signer;
  unsaved: Map<string, Unsaved>;
  origin: string;
  tileCache: TileCache;
  /** The last head found per tenant (see headCovering). */
  headCache: LruCache<StoredHead>;
}

export async function evidenceOf(deps: EvidenceDeps, record: StoredRecord): Promise<EvidenceBundle> {
  const { store, origin } = deps;
  const receipt = await receiptFor(deps, record);
  const base = { v: 2 as const, origin, event: record.event, receipt, leaf_index: record.leafIndex };
  const sealed = await headCovering(deps, record.statement.tenant_id, record.leafIndex);
  const checkpoint = sealed && (await store.latestCheckpoint());
  if (!sealed || !checkpoint) return { ...base, status: 'pending' };
  const [inclusion, headInclusion] = await Promise.all([
    proofIn(deps, record.statement.tenant_id, record.leafIndex, sealed.head.tree_size),
    proofIn(deps, ROOT_LOG, sealed.headIndex, checkpoint.tree_size),
  ]);
  return {
    ...base,
    status: 'sealed',
    tenant_head: sealed.head,
    inclusion,
    head_index: sealed.headIndex,
    head_inclusion: headInclusion,
    checkpoint: checkpoint.note,
  };
}

/**
 * The head covering `leafIndex`, from the last head found for the tenant when it covers the leaf. A sealed
 * head never changes, so such a bundle asks the store nothing: a query on the event loop per bundle for
 * SQLite, a round trip for Postgres. A leaf without a head is not remembered: a seal may cover it at any moment.
 */
async function headCovering({ store, headCache }: EvidenceDeps, tenantId: string, leafIndex: number): Promise<StoredHead | undefined> {
  const kept = headCache.get(tenantId);
  if (kept && kept.head.prev_tree_size <= leafIndex && leafIndex < kept.head.tree_size) return kept;
  const found = await store.headCovering(tenantId, leafIndex);
  if (found) headCache.set(tenantId, found);
  return found;
}

/** An inclusion proof of entry `index` in `log` at `size`, as the wire carries it. */
export async function proofIn(deps: Pick<EvidenceDeps, 'store' | 'tileCache'>, log: LogName, index: number, size: number): Promise<ProofWire> {
  const path = await inclusionFromTiles(index, size, storeTiles(deps.store, log, deps.tileCache, { inner: true }));
  return { tree_size: size, path_b64url: path.map(b64uEncode) };
}


/**
 * The root log's consistency proof from `from` to `to` entries, as the wire carries it: from the cache or from tiles
 * (then `computed` is called, and the proof is kept unless `keep` is false: a pair anyone may choose).
 */
export async function consistencyIn(
  deps: Pick<EvidenceDeps, 'store' | 'tileCache'> & { proofCache: LruCache<string[]> },
  from: number,
  to: number,
  { computed, keep = true }: { computed?: () => void; keep?: boolean } = {},
): Promise<string[]> {
  const key = `${from}-${to}`;
  const cached = deps.proofCache.get(key);
  if (cached) return cached;
  computed?.();
  const proof = (await consistencyFromTiles(from, to, storeTiles(deps.store, ROOT_LOG, deps.tileCache))).map(b64uEncode);
  if (keep) deps.proofCache.set(key, proof);
  return proof;
}
