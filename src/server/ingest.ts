import { b64uEncode, canonicalBytes, canonicalize, formatTime, SIGNING_ALG } from '../protocol/index.js';
import type { Receipt, ReceiptStatement, WireEvent } from '../protocol/index.js';
import { EVENT_FIELDS, isPlainObject, invalid, validateEvent } from '../schema/index.js';
import type { ApiKeyConfig } from './auth.js';
import { clientError, forbidden } from '../transport/web-handler.js';
import type { Sealer } from './sealer.js';
import type { Signer, Store, StoredRecord } from './types.js';

/** Why one event was refused: an HTTP status for the single route, an entry of `errors` in a batch. */
export interface EventError {
  index: number;
  event_id?: string;
  status: number;
  code: string;
  message: string;
  field?: string;
}

export type IngestOutcome = { index: number; receipt: Receipt } | { index: number; error: EventError };

interface Prepared {
  index: number;
  event: WireEvent;
  eventJson: string;
  digest: string;
}

const utf8 = new TextEncoder();

/**
 * Receipts for a list of events (§3): the good ones are stored, with one
 * `received_at` and one transaction for the list, and a receipt is returned
 * only after the commit; the bad ones are named by index.
 */
export async function ingestEvents(
  deps: { store: Store; signer: Signer; sealer: Sealer; sha256(data: Uint8Array): Uint8Array },
  events: readonly unknown[],
  key: ApiKeyConfig,
  pythonCompatible: boolean,
): Promise<IngestOutcome[]> {
  const outcomes: IngestOutcome[] = [];
  const ready: Prepared[] = [];
  events.forEach((raw, index) => {
    try {
      ready.push({ index, ...prepare(raw, key, pythonCompatible, deps.sha256) });
    } catch (error) {
      outcomes.push({ index, error: eventError(error, index, raw) });
    }
  });
  if (ready.length > 0) {
    const issued = await deps.sealer.withReceiptTime(async (ms) => {
      const receivedAt = formatTime(ms);
      const records = await Promise.all(ready.map((p) => sign(deps, p, receivedAt)));
      return { records, stored: await deps.store.putRecords(records) };
    });
    issued.stored.forEach((outcome, i) => {
      const { index, event } = ready[i]!;
      const record = issued.records[i]!;
      if (outcome.stored) return outcomes.push({ index, receipt: record.receipt });
      const original = outcome.existing.receipt;
      if (original.digest_b64url === record.receipt.digest_b64url) return outcomes.push({ index, receipt: { ...original, duplicate: true } });
      const message = `event_id ${event.event_id} was stored before with other content (digest ${original.digest_b64url})`;
      return outcomes.push({ index, error: { index, event_id: event.event_id, status: 409, code: 'conflict', message, field: 'event_id' } });
    });
  }
  return outcomes.sort((a, b) => a.index - b.index);
}

/** Fills what the server may fill (§2: `event_id`, `trace_id`, and `tenant_id` from the key), validates, canonicalises. */
function prepare(raw: unknown, key: ApiKeyConfig, pythonCompatible: boolean, sha256: (data: Uint8Array) => Uint8Array): Omit<Prepared, 'index'> {
  if (!isPlainObject(raw)) throw invalid('event', 'must be a JSON object');
  // Python's None arrives as null; §2 says absent fields are omitted, never null.
  if (pythonCompatible) for (const field of EVENT_FIELDS) if (raw[field] === null) delete raw[field];
  if (raw.tenant_id === undefined) {
    if (key.scope === 'admin') throw invalid('tenant_id', 'is required with an admin key');
    raw.tenant_id = key.tenant_id;
  } else if (key.scope !== 'admin' && typeof raw.tenant_id === 'string' && raw.tenant_id !== key.tenant_id) {
    throw forbidden(`tenant_id ${raw.tenant_id} is not this key's tenant`, 'tenant_id');
  }
  if (raw.event_id === undefined) raw.event_id = crypto.randomUUID();
  if (raw.trace_id === undefined) raw.trace_id = crypto.randomUUID();
  const event = validateEvent(raw, { dropNullContextFields: pythonCompatible });
  const eventJson = canonicalize(event);
  return { event, eventJson, digest: b64uEncode(sha256(utf8.encode(eventJson))) };
}

async function sign({ signer, sha256 }: { signer: Signer; sha256(data: Uint8Array): Uint8Array }, p: Prepared, receivedAt: string): Promise<StoredRecord> {
  const statement: ReceiptStatement = {
    v: 1,
    tenant_id: p.event.tenant_id,
    event_id: p.event.event_id,
    digest_b64url: p.digest,
    received_at: receivedAt,
    key_id: signer.keyId,
    signing_alg: SIGNING_ALG,
  };
  const message = canonicalBytes(statement);
  const signature = b64uEncode(await signer.sign(message));
  const receipt: Receipt = { ok: true, ...statement, trace_id: p.event.trace_id, signature_b64url: signature };
  return { event: p.event, eventJson: p.eventJson, receipt, receiptHash: sha256(message) };
}

function eventError(error: unknown, index: number, raw: unknown): EventError {
  const eventId = isPlainObject(raw) && typeof raw.event_id === 'string' ? raw.event_id : undefined;
  const known = clientError(error);
  if (!known) throw error;
  const { status, code, message, field } = known;
  return { index, ...(eventId === undefined ? {} : { event_id: eventId }), status, code, message, ...(field === undefined ? {} : { field }) };
}
