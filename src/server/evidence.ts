import { b64uEncode, bytesEqual, tenantHeadHash } from '../protocol/index.js';
import type { CheckpointV1, EvidenceBundleV1, InclusionProofV1 } from '../protocol/index.js';
import { inclusionProof } from '../tlog/merkle.js';
import type { Store, StoredRecord } from './types.js';

/**
 * Evidence bundles (§5). Sealed periods never change, so the leaves of the
 * last few (tenant, period) trees are kept: a burst of evidence requests for
 * one busy period reads its leaves once.
 */
export function evidenceBuilder(store: Store, cacheSize = 8) {
  const cache = new Map<string, Uint8Array[]>();

  async function periodLeaves(tenantId: string, checkpoint: CheckpointV1): Promise<Uint8Array[]> {
    const id = `${tenantId}\u0000${checkpoint.period_start}`;
    let leaves = cache.get(id);
    if (leaves) {
      cache.delete(id); // re-insert: most recently used last
    } else {
      leaves = await store.leaves(tenantId, checkpoint.period_start, checkpoint.period_end);
      if (cache.size >= cacheSize) cache.delete(cache.keys().next().value!);
    }
    cache.set(id, leaves);
    return leaves;
  }

  return async function evidenceOf(record: StoredRecord): Promise<EvidenceBundleV1> {
    const { receipt } = record; // as issued: a store never keeps `duplicate` (types.ts)
    const checkpoint = await store.checkpointAt(receipt.received_at);
    if (!checkpoint) return { v: 1, status: 'pending', event: record.event, receipt };
    const heads = await store.tenantHeads(checkpoint.period_start);
    const headIndex = heads.findIndex((h) => h.tenant_id === receipt.tenant_id);
    const leaves = await periodLeaves(receipt.tenant_id, checkpoint);
    const leafIndex = leaves.findIndex((leaf) => bytesEqual(leaf, record.receiptHash));
    if (headIndex < 0 || leafIndex < 0) {
      throw new Error(`store inconsistent: receipt ${receipt.tenant_id}/${receipt.event_id} is missing from sealed period ${checkpoint.period_start}`);
    }
    return {
      v: 1,
      status: 'sealed',
      event: record.event,
      receipt,
      tenant_head: heads[headIndex]!,
      inclusion: proofOf(leafIndex, leaves),
      tenant_inclusion: proofOf(headIndex, heads.map(tenantHeadHash)),
      checkpoint,
    };
  };
}

export function proofOf(index: number, leaves: readonly Uint8Array[]): InclusionProofV1 {
  return { leaf_index: index, tree_size: leaves.length, path_b64url: inclusionProof(index, leaves).map(b64uEncode) };
}
