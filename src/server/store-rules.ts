import { AegisLogError } from '../protocol/index.js';
import type { CheckpointV1 } from '../protocol/index.js';
import type { LeafCursor } from './types.js';

/** Leaf order of a tenant tree (§4): `received_at`, then `event_id`, ascending. Both are ASCII, so code-unit order is byte order. */
export function compareLeaf(a: LeafCursor, b: LeafCursor): number {
  if (a.received_at !== b.received_at) return a.received_at < b.received_at ? -1 : 1;
  return a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0;
}

/**
 * Global-tree order (§4): tenant ids bytewise as UTF-8. JS compares UTF-16 code
 * units, which differs from UTF-8 byte order only between astral characters and
 * U+E000..U+FFFF; tenant ids are ASCII by §2, so the two orders agree here.
 */
export function compareTenantIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Why a checkpoint may not follow `latest`: periods form one gap-free, append-only chain. */
export function checkpointOrderError(latest: CheckpointV1 | undefined, next: CheckpointV1): AegisLogError | undefined {
  if (latest && latest.period_start === next.period_start) {
    return new AegisLogError('ERR_ALREADY_SEALED', `period ${next.period_start} is already sealed`);
  }
  if (latest && latest.period_end !== next.period_start) {
    return new AegisLogError('ERR_PERIOD_ORDER', `period ${next.period_start} does not start where the last sealed period ended (${latest.period_end})`);
  }
  return undefined;
}
