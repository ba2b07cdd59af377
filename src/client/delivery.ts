import type { AegisLogError } from '../protocol/errors.js';
import type { Receipt } from '../protocol/types.js';
import { DEAD, QUEUED, type DeadLetterError, type QueueEntry } from '../queue/types.js';
import { AegisLogHttpError, httpErrorCode } from '../protocol/errors.js';
import { backoffDelay, exchange, sleep } from '../transport/http.js';
import type { ClientConfig, LockManagerLike } from './options.js';
import { keysAfter } from './event.js';
import { digestOf, namesAnEvent, receiptMismatch } from './receipt.js';

/** PROTOCOL.md §7: a batch holds at most 500 events and 1 MiB. */
export const MAX_BATCH_EVENTS = 500;
export const MAX_BATCH_BYTES = 1024 * 1024;

export interface FlushResult {
  /** Events the server acknowledged during this flush (duplicates included). */
  sent: number;
  deadLettered: number;
  /** Events still queued when the flush ended. */
  remaining: number;
  /** Another tab held the flush lock: it delivers this queue. */
  lockedElsewhere?: boolean;
  /** Why the flush stopped early (retries exhausted, store failure), or set an event aside (a poison event: a 5xx or no answer, alone). The events stay queued. */
  error?: AegisLogError;
}

/** Hooks the client gives the loop: keepalive bytes while the page hides, and news of settled events. */
export interface DeliveryHooks {
  /** Reserves keepalive bytes for this body if the page is hidden; returns their release, or undefined for a plain fetch. */
  keepalive(body: string): (() => void) | undefined;
  /** These events left the queue (delivered or dead-lettered, here or by another tab). */
  settled(keys: string[]): void;
  /** One flusher per shared queue across tabs (Web Locks). */
  locks: LockManagerLike | undefined;
  lockName: string;
  /** This tab's written, unconfirmed events (for exit delivery). */
  known: ReadonlyMap<string, unknown>;
}

/**
 * The one delivery loop: takes the oldest durable events, sends them, and
 * deletes them only once their receipts are checked. Retryable failures back
 * off with full jitter; permanent refusals go to the dead letters, so that no
 * event holds the queue up.
 */
export class Delivery {
  flushing = false;
  /** After a flush gave up, timer- and size-triggered flushes wait until then. */
  notBefore = 0;
  /** The last flush found another tab holding the flush lock. */
  lockedElsewhere = false;
  readonly #cfg: ClientConfig;
  readonly #hooks: DeliveryHooks;
  /** Keys settled during this drain: a stale KV list may still show them. */
  #settled = new Set<string>();
  /** The running drain's result (set when it starts). */
  #result!: FlushResult;
  /** Events a batch takes at most: halved while a batch keeps failing with 5xx or no answer (see #drain). */
  #limit = MAX_BATCH_EVENTS;
  /** Events that failed with 5xx or no answer alone (poison events): each is sent alone, never again in a batch it would hold up. */
  #alone = new Set<string>();

  constructor(cfg: ClientConfig, hooks: DeliveryHooks) {
    this.#cfg = cfg;
    this.#hooks = hooks;
  }

  /**
   * One flush. A queue that tabs share is drained by one tab at a time (the Web Lock, taken only if
   * free: the holder sends every tab's events); afterwards each tab forgets what was delivered.
   */
  async flush(): Promise<FlushResult> {
    const { store, counts } = this.#cfg;
    const { locks, lockName } = this.#hooks;
    let result: FlushResult = { sent: 0, deadLettered: 0, remaining: 0, lockedElsewhere: true };
    const drain = async () => void (result = await this.#drain());
    if (locks && store.shared) await locks.request(lockName, { ifAvailable: true }, async (lock) => void (lock && (await drain())));
    else await drain();
    this.lockedElsewhere = !!result.lockedElsewhere;
    // One read of the store for what is left: for a shared queue, the listing that forgets what other tabs delivered.
    result.remaining = store.shared ? await this.#forgetDelivered() : (counts.stored = await store.count(QUEUED));
    return result;
  }

  /** Other tabs flush a shared queue too: what this tab knows of and is gone from the store was delivered. */
  async #forgetDelivered(): Promise<number> {
    const { known } = this.#hooks;
    const { store, maxQueueSize } = this.#cfg;
    const present = new Set((await store.list(QUEUED, maxQueueSize + known.size)).map((e) => e.key));
    this.#hooks.settled([...known.keys()].filter((key) => !present.has(key)));
    return (this.#cfg.counts.stored = present.size);
  }

  /**
   * Sends what was queued when the drain began, until it is gone or retries run out (flush() counts what
   * remains). Records made meanwhile (other tabs go on writing) wait for the next flush: a drain never
   * chases them, so it ends and hands the lock on. One drain at a time (the client sees to it).
   */
  async #drain(): Promise<FlushResult> {
    const { store, retry, counts } = this.#cfg;
    const result: FlushResult = (this.#result = { sent: 0, deadLettered: 0, remaining: 0 });
    let newer: string | undefined;
    /** Set aside in this drain: poison events once a later request shows the server takes others (see below). */
    const aside: string[] = [];
    this.#settled = new Set();
    this.flushing = true;
    try {
      for (let attempt = 0; ; ) {
        const listed = (await store.list(QUEUED, MAX_BATCH_EVENTS)).filter((e) => !this.#settled.has(e.key));
        // The bound: now, or the last key of the first listing when later. What that listing holds was there when
        // the drain began, newer keys too: an earlier page or process whose clock ran ahead wrote them, and they
        // must not wait for this clock to catch up.
        if (newer === undefined) {
          const now = keysAfter(Date.now());
          const last = listed.at(-1)?.key ?? '';
          newer = last > now ? last : now;
        }
        if (!listed.length || listed[0]!.key > newer) break;
        // Sized in UTF-16 units, exact for ASCII; a batch that is larger in bytes gets a 413 and is split. A poison
        // event (see below) goes alone, and ends a batch that would reach it.
        let n = 0;
        for (let size = 13; n < listed.length && n < this.#limit && !this.#alone.has(listed[n]!.key) && (size += listed[n]!.body.length + 1) <= MAX_BATCH_BYTES; ) n++;
        const batch = listed.slice(0, n || 1);
        const { key } = batch[0]!;
        const error = await this.#send(batch);
        if (!error) {
          // A delivery after a delivery (or the flush's first): nothing is being narrowed down, whole batches again.
          if (!attempt) this.#limit = MAX_BATCH_EVENTS;
          attempt = 0;
          // The server takes other events: those set aside are poison, sent alone from now on.
          for (const k of aside.splice(0)) this.#alone.add(k);
          continue;
        }
        // A 5xx (the server's own fault, PROTOCOL.md §8) again and again may be an event that crashes its handler:
        // retried as §8 says, it would hold up the queue behind it for ever. So the batch is halved at each 5xx
        // after its first (the next flush goes on where this one gave up): the events behind it go through and it
        // ends up alone. Alone, with others waiting, it is set aside for the rest of this flush: still queued,
        // reported, and sent again, alone, once by each later flush, not counted against the retries of the
        // others, once the server has taken others (an outage is no poison event). The others go first.
        // No answer at all (status 0: a dropped connection, a timeout) counts as a 5xx: a WAF that resets the
        // connection on seeing an event, or a server process that dies on it, would hold the queue up the same
        // way. A link that is down fails every request, so nothing is ever set aside for it.
        const known = this.#alone.has(key);
        if ((!error.status || error.status >= 500) && (known || attempt || !retry.attempts)) {
          if (batch.length > 1) this.#limit = batch.length >> 1;
          else if (listed.length > 1) {
            this.#settled.add(key);
            if (!known) aside.push(key), attempt++;
            this.#giveUp(error, batch, attempt);
            // Still a failure in a row: a server that fails everything makes the flush give up as before.
            if (attempt > retry.attempts) break;
            // The next request is this flush's next attempt: it waits its backoff as a retry would (§8), so a
            // link or server that fails everything sees the retry schedule it saw before poison events were sought.
            if (!known) await sleep(backoffDelay(attempt - 1, retry, error.retryAfter));
            continue;
          }
        }
        if (attempt++ < retry.attempts) {
          // What the next attempt sends again: a bisected batch may have settled part of itself first.
          counts.retried += batch.filter((e) => !this.#settled.has(e.key)).length;
          await sleep(backoffDelay(attempt - 1, retry, error.retryAfter));
        } else {
          this.#giveUp(error, batch, attempt);
          break;
        }
      }
    } finally {
      this.flushing = false;
    }
    return result;
  }

  /** This flush sends these events no more: the error is its result and reported, and the next timer flush waits. */
  #giveUp(error: AegisLogHttpError, batch: QueueEntry[], attempt: number): void {
    this.#result.error = error;
    this.notBefore = Date.now() + backoffDelay(attempt, this.#cfg.retry, error.retryAfter);
    this.#cfg.report(error, batch.map((e) => e.event_id));
  }

  /** One request. Returns the error to retry on, or undefined once every event in it is settled. */
  async #send(batch: QueueEntry[]): Promise<AegisLogHttpError | undefined> {
    const cfg = this.#cfg;
    // A lone event goes to /ingest: an event near the 1 MiB limit fits there, not inside a batch envelope.
    const route = batch.length > 1 ? '/ingest/batch' : '/ingest';
    const body = batch.length > 1 ? `{"events":[${batch.map((e) => e.body).join(',')}]}` : batch[0]!.body;
    const release = this.#hooks.keepalive(body);
    cfg.counts.inFlight += batch.length;
    const outcome = await exchange(cfg.endpoint + route, { method: 'POST', headers: cfg.headers, body, keepalive: !!release }, cfg);
    cfg.counts.inFlight -= batch.length;
    release?.();
    const { kind } = outcome;
    if (kind === 'ok') return this.#settle(batch, batch.length > 1 ? outcome.body : { receipts: [outcome.body], errors: [] });
    if (kind === 'retry') return outcome.error;
    // 413 splits the batch; a 400 about a whole batch is bisected down to the event it is about.
    if (batch.length > 1 && (kind === 'split' || outcome.error.status === 400)) {
      const half = batch.length >> 1;
      return (await this.#send(batch.slice(0, half))) ?? this.#send(batch.slice(half));
    }
    return this.#deadLetter(batch, outcome.error);
  }

  /** Matches receipts and per-event errors to the batch. Each receipt is checked against the digest of what was sent. */
  async #settle(batch: QueueEntry[], answer: unknown): Promise<AegisLogHttpError | undefined> {
    const { receipts, errors } = (answer ?? {}) as { receipts?: Receipt[]; errors?: (DeadLetterError & { index: number; event_id: string })[] };
    if (!Array.isArray(receipts) || !Array.isArray(errors)) return badAnswer('has no receipts and errors arrays');
    const acked: QueueEntry[] = [];
    const good: Receipt[] = [];
    let missing = 0;
    for (const [i, entry] of batch.entries()) {
      const refusal = errors.find((e) => e?.index === i && e.event_id === entry.event_id);
      // A lone event's answer is its receipt, whatever event it names: one naming another is a mismatch, not a gap.
      // One that names none is no receipt (another service's JSON: check endpoint), retried as a batch's would be.
      const receipt = receipts.find((r) => r?.event_id === entry.event_id) ?? (batch.length === 1 && namesAnEvent(receipts[0]) ? receipts[0] : undefined);
      if (refusal) {
        await this.#deadLetter([entry], { code: String(refusal.code), message: String(refusal.message), status: 200, field: refusal.field });
      } else if (receipt) {
        const event = JSON.parse(entry.body) as { tenant_id: string };
        const mismatch = receiptMismatch(receipt, entry.event_id, event.tenant_id, await digestOf(event));
        if (mismatch) await this.#deadLetter([entry], mismatch);
        else acked.push(entry), good.push(receipt);
      } else missing++;
    }
    if (acked.length) {
      await this.#remove(acked);
      this.#cfg.counts.sent += acked.length;
      this.#result.sent += acked.length;
      for (const receipt of good) this.#cfg.onReceipt?.(receipt);
    }
    return missing ? badAnswer(`answered ${missing} of ${batch.length} events with neither a receipt nor an error`) : undefined;
  }

  async #deadLetter(entries: QueueEntry[], error: DeadLetterError): Promise<undefined> {
    const { message, status, field } = error;
    // The server's own code, as a per-event refusal in a batch carries it (an HTTP refusal's `code` is ERR_HTTP for most).
    const code = (error as AegisLogHttpError).serverCode ?? error.code;
    // The dead letters replace the queue entries in one write where the store can (IndexedDB, Durable Object
    // storage, memory): a crash cannot leave an event both queued and dead. The delete after is for the others.
    const keys = entries.map((e) => e.key);
    await this.#cfg.store.put(entries.map((e) => ({ ...e, key: DEAD + e.key.slice(QUEUED.length), error: { code, message, status, field } })), keys);
    await this.#remove(entries);
    this.#cfg.counts.deadLettered += entries.length;
    this.#result.deadLettered += entries.length;
    const reported = error instanceof AegisLogHttpError ? error : new AegisLogHttpError(httpErrorCode(code), message, status ?? 0, { field, serverCode: code });
    this.#cfg.report(reported, entries.map((e) => e.event_id));
    return undefined;
  }

  async #remove(entries: QueueEntry[]): Promise<void> {
    const keys = entries.map((e) => e.key);
    await this.#cfg.store.delete(keys);
    for (const key of keys) this.#settled.add(key), this.#alone.delete(key);
    this.#cfg.counts.stored = Math.max(0, this.#cfg.counts.stored - keys.length);
    this.#hooks.settled(keys);
  }
}

function badAnswer(why: string): AegisLogHttpError {
  return new AegisLogHttpError('ERR_BAD_RESPONSE', `the server's answer ${why}`, 200);
}
