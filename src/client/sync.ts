import { AegisLogHttpError } from '../protocol/errors.js';
import { EVENT_ID, EVENT_ID_RULE, TENANT_ID, TENANT_ID_RULE, invalid } from '../schema/index.js';
import type { Receipt, WireEvent } from '../protocol/types.js';
import { backoffDelay, exchange, sleep, type Outcome } from '../transport/http.js';
import type { ClientConfig, VerificationResult } from './options.js';
import { digestOf, namesAnEvent, receiptMismatch } from './receipt.js';

// recordSync and verify. Signature checks against pinned keys load the verifier with a dynamic
// import (./signature.js): a page that does not pin keys never loads it.

/** POSTs one event (built, validated and frozen as JSON by the client) to /ingest and checks the receipt. */
export async function recordSync(cfg: ClientConfig, body: string): Promise<Receipt> {
  const event = JSON.parse(body) as WireEvent; // exactly the bytes sent, whatever the caller changed since
  const digest = await digestOf(event);
  // Pinned keys that cannot be read refuse the event before it is sent: delivered and refused both, it was sent again.
  const keys = cfg.publicKeys === undefined ? undefined : await import('./signature.js');
  await keys?.importKeys(cfg.publicKeys);
  const outcome = await request(cfg, '/ingest', { method: 'POST', headers: cfg.headers, body });
  if (outcome.kind !== 'ok') throw outcome.error;
  // An answer naming no event is no receipt (another service's JSON), as the delivery loop has it: not a mismatch.
  if (!namesAnEvent(outcome.body)) throw new AegisLogHttpError('ERR_BAD_RESPONSE', "the server's answer to /ingest is no receipt (it names no event_id)", 200);
  const mismatch = receiptMismatch(outcome.body, event.event_id, cfg.tenantId, digest);
  if (mismatch) throw mismatch;
  const receipt = outcome.body as Receipt;
  if (keys) {
    const why = await keys.receiptSignatureFailure(event, receipt, cfg.publicKeys);
    if (why) throw new AegisLogHttpError('ERR_RECEIPT_MISMATCH', `receipt of ${receipt.event_id}: ${why}`, 200, { field: 'signature_b64url' });
  }
  cfg.onReceipt?.(receipt);
  return receipt;
}

export async function verify(cfg: ClientConfig, eventId: string, tenantId: string): Promise<VerificationResult> {
  // An id no event can have (undefined, '') would be "not_found": a verdict about no event at all.
  if (typeof eventId != 'string' || !EVENT_ID.test(eventId)) throw invalid('eventId', `must be ${EVENT_ID_RULE}`);
  // So would a tenant none can have: the server answered '' for the key's own tenant.
  if (typeof tenantId != 'string' || !TENANT_ID.test(tenantId)) throw invalid('tenantId', `must be ${TENANT_ID_RULE}`);
  const query = `${encodeURIComponent(eventId)}?tenant_id=${encodeURIComponent(tenantId)}`;
  const outcome = await request(cfg, `/verify/${query}`, { method: 'GET', headers: cfg.headers });
  if (outcome.kind !== 'ok') {
    if (outcome.error.status === 404) return { status: 'not_found', event_id: eventId };
    throw outcome.error;
  }
  const result = outcome.body as VerificationResult;
  // §8's answer has a status: an empty 2xx (a proxy's 204) or other JSON is no verdict, and resolved, it read as one.
  if (typeof result?.status != 'string') throw new AegisLogHttpError('ERR_BAD_RESPONSE', "the server's answer to /verify has no status", 200);
  if (cfg.publicKeys === undefined) return result;
  // The server's verdict is its word; the pinned keys check its receipt here.
  const evidence = await request(cfg, `/evidence/${query}`, { method: 'GET', headers: cfg.headers });
  if (evidence.kind !== 'ok') throw evidence.error;
  // The checks hold for the bundle's own event: it must be the one asked about (a bundle of another, well
  // signed, would pass them all), its receipt naming this event and tenant, over this event's digest.
  const { event, receipt } = (evidence.body ?? {}) as { event?: unknown; receipt?: unknown };
  const mismatch = receiptMismatch(receipt, eventId, tenantId, await digestOf(event));
  if (mismatch) throw mismatch;
  return { ...result, local: await (await import('./signature.js')).checkEvidence(evidence.body, cfg.publicKeys) };
}

/** One exchange, retried on retryable outcomes (each retry of recordSync's event counted in stats().retried). */
async function request(cfg: ClientConfig, path: string, init: RequestInit): Promise<Outcome> {
  for (let attempt = 0; ; attempt++) {
    const outcome = await exchange(cfg.endpoint + path, init, cfg);
    if (outcome.kind !== 'retry' || attempt >= cfg.retry.attempts) return outcome;
    // stats().retried counts events sent again: a GET of /verify or /evidence sends none.
    if (init.body) cfg.counts.retried++;
    await sleep(backoffDelay(attempt, cfg.retry, outcome.error.retryAfter));
  }
}
