/**
 * The sequencer's step (PROTOCOL.md §4.1), pure so that every store runs the same
 * bytes inside its own transaction: given what the transaction read (the log's
 * state, its edge tiles, `closed_until`, which ids exist), it decides each new
 * entry's `received_at`, leaf index, statement and receipt hash, and the tiles
 * and state to write.
 */
import { SIGNING_ALG, formatTime, parseTime, statementBytes } from '../protocol/index.js';
import type { ReceiptStatement } from '../protocol/index.js';
import { leafHash } from '../tlog/merkle.js';
import { appendLeafHashes, type TileWrite } from '../tlog/tile-append.js';
import type { AppendOutcome, AppendRequest, StoredRecord } from './types.js';

/** What a store keeps per tenant log, besides its entries and tiles. */
export interface LogState {
  size: number;
  /** `received_at` of the last entry, if any. */
  lastReceivedAt: string | undefined;
  /** `tree_size` of the last head (0 before the first). */
  headSize: number;
  /** Root-log index of the last head, null before the first. */
  lastHeadIndex: number | null;
  /** `received_at` of entry `headSize` (the first one no head covers), if there is one. */
  pendingSince: string | undefined;
}

/** C(statement) of the statements planned here, for the signer: the bytes the receipt hash covers, not canonicalised twice. */
const planned = new WeakMap<ReceiptStatement, Uint8Array>();

/** C(statement) (PROTOCOL.md §3), the very bytes of the plan when the statement was planned in this process. */
export const statementBytesOf = (statement: ReceiptStatement): Uint8Array => planned.get(statement) ?? statementBytes(statement);

export const EMPTY_LOG: LogState = { size: 0, lastReceivedAt: undefined, headSize: 0, lastHeadIndex: null, pendingSince: undefined };

export interface AppendPlan {
  outcomes: AppendOutcome[];
  /** The new records, in leaf order. */
  added: StoredRecord[];
  /** The tiles to write, and the inner nodes of each tile that filled up (`innerTileOf`). */
  writes: TileWrite[];
  state: LogState;
}

/**
 * `existing(eventId)` gives a stored record of this tenant, if any; `edge` the
 * log's partial tiles as `edgeTilesOf(state.size)` lists them.
 */
export function planAppend(
  request: AppendRequest,
  state: LogState,
  closedUntil: string | undefined,
  existing: (eventId: string) => StoredRecord | undefined,
  edge: readonly (Uint8Array | undefined)[],
): AppendPlan {
  const receivedAt = formatTime(Math.max(request.now, ...[state.lastReceivedAt, closedUntil].map((t) => (t === undefined ? -Infinity : parseTime(t)))));
  const outcomes: AppendOutcome[] = [];
  const added: StoredRecord[] = [];
  const fresh = new Map<string, StoredRecord>();
  for (const entry of request.entries) {
    const eventId = entry.event.event_id;
    const before = fresh.get(eventId) ?? existing(eventId);
    if (before) {
      outcomes.push({ stored: false, existing: before });
      continue;
    }
    const statement: ReceiptStatement = {
      v: 1,
      tenant_id: request.tenantId,
      event_id: eventId,
      digest_b64url: entry.digest_b64url,
      received_at: receivedAt,
      key_id: request.keyId,
      signing_alg: SIGNING_ALG,
    };
    const bytes = statementBytes(statement);
    planned.set(statement, bytes);
    const record: StoredRecord = {
      event: entry.event,
      eventJson: entry.eventJson,
      statement,
      trace_id: entry.event.trace_id,
      signature_b64url: null,
      receiptHash: request.sha256(bytes),
      leafIndex: state.size + added.length,
    };
    fresh.set(eventId, record);
    added.push(record);
    outcomes.push({ stored: true, record });
  }
  if (added.length === 0) return { outcomes, added, writes: [], state };
  const hashes = new Uint8Array(32 * added.length);
  added.forEach((r, i) => hashes.set(leafHash(r.receiptHash), 32 * i));
  const { size, writes, inner } = appendLeafHashes(state.size, edge, hashes);
  return {
    outcomes,
    added,
    writes: [...writes, ...inner],
    state: { ...state, size, lastReceivedAt: receivedAt, pendingSince: state.pendingSince ?? receivedAt },
  };
}
