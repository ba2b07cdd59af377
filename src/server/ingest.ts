import { AegisLogError, b64uEncode, canonicalize } from '../protocol/index.js';
import type { Receipt } from '../protocol/index.js';
import { EVENT_FIELDS, TENANT_ID, isPlainObject, invalid, validateEvent } from '../schema/index.js';
import type { ApiKeyConfig } from './auth.js';
import { clientError, forbidden } from '../transport/web-handler.js';
import { statementBytesOf } from './sequence.js';
import type { AppendOutcome, NewEntry, SignatureWrite, Signer, Store, StoredRecord } from './types.js';

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

export interface IngestDeps {
  store: Store;
  signer: Signer;
  now(): number;
  sha256(data: Uint8Array): Uint8Array;
  /** Signatures are kept after the receipt goes out; a failure to keep one is reported here (the entry is signed again on its next read). */
  onError(error: unknown): void;
  /** Tells the sealer that entries were logged (the first one fixes where the first period starts). */
  logged(receivedAt: string): void;
  /** Signatures issued (or being made) and not yet kept by the store, by `unsavedKey`. */
  unsaved: Map<string, Unsaved>;
  /** Given the work that goes on after the receipts are answered (keeping their signatures), so that a host that ends work with the response lets it finish. */
  keepAlive(task: Promise<unknown>): void;
}

export const unsavedKey = (tenantId: string, eventId: string) => `${tenantId}\u0000${eventId}`;

/**
 * A signature not yet kept by the store, or the signing of one just committed: a copy of the event
 * that arrives while the first is being signed waits for that signature rather than making its own
 * (ECDSA signatures differ each time: the sender and the log would hold two receipts).
 */
export type Unsaved = string | Promise<string>;

const utf8 = new TextEncoder();

/**
 * Receipts for a list of events (§3, §4.1): the good ones go to their tenant's
 * sequencer, which fixes `received_at` and the leaf index in its commit; each
 * receipt is signed after that commit and returned; the bad ones are named by index.
 */
export async function ingestEvents(deps: IngestDeps, events: readonly unknown[], key: ApiKeyConfig, pythonCompatible: boolean): Promise<IngestOutcome[]> {
  const outcomes: IngestOutcome[] = [];
  const byTenant = new Map<string, { index: number; entry: NewEntry }[]>();
  events.forEach((raw, index) => {
    // The sender's own id, for its error: prepare() fills one in where it gave none.
    const sentId = isPlainObject(raw) && typeof raw.event_id === 'string' ? raw.event_id : undefined;
    try {
      const entry = prepare(raw, key, pythonCompatible, deps.sha256);
      const list = byTenant.get(entry.event.tenant_id) ?? [];
      list.push({ index, entry });
      byTenant.set(entry.event.tenant_id, list);
    } catch (error) {
      outcomes.push({ index, error: eventError(error, index, sentId) });
    }
  });
  const signed: SignatureWrite[] = [];
  // Settled, not all: a tenant whose append fails must not skip keeping what the others committed and signed.
  const tenants = await Promise.allSettled(
    [...byTenant].map(async ([tenantId, list]) => {
      const appended = await deps.store.append({ tenantId, entries: list.map((l) => l.entry), now: deps.now(), keyId: deps.signer.keyId, sha256: deps.sha256 });
      const first = appended.find((o) => o.stored);
      if (first?.stored) deps.logged(first.record.statement.received_at);
      const signing = signStored(deps.signer, appended);
      appended.forEach((outcome, i) => {
        if (!outcome.stored) return;
        const key = unsavedKey(tenantId, outcome.record.statement.event_id);
        const signature = signing.then((all) => all[i]!);
        signature.catch(() => deps.unsaved.get(key) === signature && deps.unsaved.delete(key)); // a copy then signs for itself
        deps.unsaved.set(key, signature);
      });
      const signatures = await signing;
      // In leaf order: a later copy in the same batch finds the very receipt just signed in `unsaved`.
      const answered = appended.map((outcome, i) => {
        const { index, entry } = list[i]!;
        if (outcome.stored) {
          const { statement, leafIndex } = outcome.record;
          const signature = signatures[i]!;
          signed.push({ tenantId, eventId: statement.event_id, leafIndex, signature_b64url: signature });
          deps.unsaved.set(unsavedKey(tenantId, statement.event_id), signature);
          return outcomes.push({ index, receipt: receiptOf(outcome.record, signature) });
        }
        const record = outcome.existing;
        if (record.statement.digest_b64url !== entry.digest_b64url) {
          // The stored digest is not told: an ingest key may write, not read what was stored.
          const message = `event_id ${entry.event.event_id} was stored before with other content`;
          return outcomes.push({ index, error: { index, event_id: entry.event.event_id, status: 409, code: 'conflict', message, field: 'event_id' } });
        }
        return receiptFor(deps, record).then((receipt) => outcomes.push({ index, receipt: { ...receipt, duplicate: true } }));
      });
      await Promise.all(answered);
    }),
  );
  if (signed.length > 0) {
    deps.keepAlive(
      deps.store
        .putSignatures(signed)
        .catch(deps.onError)
        .finally(() => {
          for (const s of signed) deps.unsaved.delete(unsavedKey(s.tenantId, s.eventId));
        }),
    );
  }
  const failed = tenants.find((t) => t.status === 'rejected');
  if (failed) throw failed.reason;
  return outcomes.sort((a, b) => a.index - b.index);
}

/** The wire receipt of a record (§3): the statement, `ok`, `trace_id` and the signature. */
export function receiptOf(record: StoredRecord, signature_b64url: string): Receipt {
  return { ok: true, ...record.statement, trace_id: record.trace_id, signature_b64url };
}

/**
 * A stored record's receipt. A signature made but not yet kept is taken from
 * `unsaved`, so a resend answers with the very receipt issued; one lost in a crash
 * after its commit is signed again now, kept, and the one the store kept answered
 * (another process may have kept its own first: §3, a duplicate gets the original).
 */
export async function receiptFor(deps: Pick<IngestDeps, 'store' | 'signer' | 'unsaved'>, record: StoredRecord): Promise<Receipt> {
  const { tenant_id: tenantId, event_id: eventId } = record.statement;
  const key = unsavedKey(tenantId, eventId);
  const unsaved = record.signature_b64url ?? deps.unsaved.get(key);
  // Being signed: that signature, unless the signing fails (then this call signs).
  const known = typeof unsaved === 'object' ? await unsaved.catch(() => undefined) : unsaved;
  if (known !== undefined) return receiptOf(record, known);
  // Another copy began signing while this one waited on a failed signing: wait for that one.
  const pending = deps.unsaved.get(key);
  if (pending !== undefined && pending !== unsaved) return receiptFor(deps, record);
  const keptSignature = async () => (await deps.store.getRecord(tenantId, eventId))?.signature_b64url ?? undefined;
  const signing = (async () => {
    // Kept meanwhile (the record was read before its signature was written)?
    const before = await keptSignature();
    if (before) return before;
    // Signed by a key rotated away since: the new key's signature under the old key_id would verify nowhere, and
    // the store would keep it for ever. Nothing is signed; restoring the old key signs it.
    const { key_id } = record.statement;
    if (key_id !== deps.signer.keyId) {
      throw new AegisLogError('ERR_CONFIG', `the receipt of ${eventId} (tenant ${tenantId}) is signed by key ${key_id}, which this server no longer signs with (it signs with ${deps.signer.keyId}); its signature was lost in a crash: restore that key to sign it`);
    }
    const signature = await signRecord(deps.signer, record);
    await deps.store.putSignatures([{ tenantId, eventId, leafIndex: record.leafIndex, signature_b64url: signature }]);
    const kept = await keptSignature();
    if (!kept) throw new Error(`the store kept no signature for ${eventId}`);
    return kept;
  })();
  // Memoised before any await, so that the copies in this process wait for one signing.
  deps.unsaved.set(key, signing);
  // Kept by the store once settled (or failed: a later copy signs for itself).
  void signing.catch(() => undefined).finally(() => deps.unsaved.get(key) === signing && deps.unsaved.delete(key));
  return receiptOf(record, await signing);
}

/** The signatures of the records a commit stored, by position in `appended` (undefined for a duplicate). */
async function signStored(signer: Signer, appended: readonly AppendOutcome[]): Promise<(string | undefined)[]> {
  const stored = appended.flatMap((outcome) => (outcome.stored ? [statementBytesOf(outcome.record.statement)] : []));
  // One call for the batch where the signer takes one; else one promise per signature, none per event besides.
  const made = stored.length > 1 && signer.signMany ? await signer.signMany(stored) : await Promise.all(stored.map((m) => signer.sign(m)));
  if (made.length !== stored.length) throw new Error(`the signer gave ${made.length} signatures for ${stored.length} receipts`);
  let next = 0;
  return appended.map((outcome) => (outcome.stored ? b64uEncode(made[next++]!) : undefined));
}

async function signRecord(signer: Signer, record: StoredRecord): Promise<string> {
  return b64uEncode(await signer.sign(statementBytesOf(record.statement)));
}

/**
 * Fills what the server may fill (§2: `event_id`; `trace_id` = the `event_id` when
 * the sender gives none, so an identical resend is a duplicate, never a conflict;
 * `tenant_id` from the key), validates, canonicalises, digests.
 */
function prepare(raw: unknown, key: ApiKeyConfig, pythonCompatible: boolean, sha256: (data: Uint8Array) => Uint8Array): NewEntry {
  if (!isPlainObject(raw)) throw invalid('event', 'must be a JSON object');
  // Python's None arrives as null; §2 says absent fields are omitted, never null.
  if (pythonCompatible) for (const field of EVENT_FIELDS) if (raw[field] === null) delete raw[field];
  if (raw.tenant_id === undefined) {
    if (key.scope === 'admin') throw invalid('tenant_id', 'is required with an admin key');
    raw.tenant_id = key.tenant_id;
  } else if (key.scope !== 'admin' && typeof raw.tenant_id === 'string' && TENANT_ID.test(raw.tenant_id) && raw.tenant_id !== key.tenant_id) {
    // Only a well-formed one can be another tenant's: a malformed one is the validator's 400, as with an admin key.
    throw forbidden(`tenant_id ${raw.tenant_id} is not this key's tenant`, 'tenant_id');
  }
  if (raw.event_id === undefined) raw.event_id = crypto.randomUUID();
  if (raw.trace_id === undefined) raw.trace_id = raw.event_id;
  const event = validateEvent(raw, { dropNullContextFields: pythonCompatible });
  const eventJson = canonicalize(event);
  return { event, eventJson, digest_b64url: b64uEncode(sha256(utf8.encode(eventJson))) };
}

function eventError(error: unknown, index: number, eventId: string | undefined): EventError {
  const known = clientError(error);
  if (!known) throw error;
  const { status, code, message, field } = known;
  return { index, ...(eventId === undefined ? {} : { event_id: eventId }), status, code, message, ...(field === undefined ? {} : { field }) };
}
