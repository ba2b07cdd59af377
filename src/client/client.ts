import { AegisLogError, ErrorCode } from '../protocol/errors.js';
import type { Receipt } from '../protocol/types.js';
import { QUEUED, type QueueEntry, type QueueStore } from '../queue/types.js';
import { utf8Length } from '../transport/bytes.js';
import { ExitDelivery, type FetchLaterLike } from '../transport/exit.js';
import type { Delivery, FlushResult } from './delivery.js';
import { buildEvent, queueKey, type RecordOptions } from './event.js';
import { resolveConfig, type AegisLogOptions, type ClientConfig, type ClientStats, type LockManagerLike, type VerificationResult } from './options.js';

const asyncDispose: typeof Symbol.asyncDispose = Symbol.asyncDispose ?? Symbol.for('Symbol.asyncDispose');

/**
 * The AegisLog client. `record()` validates, freezes the event as JSON and
 * returns its id; the events of one tick are written ahead to the queue store
 * in one call (one IndexedDB transaction); one delivery loop sends them and
 * deletes each only once its receipt is checked. See docs/client.md.
 */
export class AegisLog {
  readonly tenantId: string;
  readonly endpoint: string;
  /** The Web Locks name the flushing tab holds (`navigator.locks.query()` lists it under `held`). */
  readonly lockName: string;
  /** The queue store: queued events and dead letters (see `deadLetters`, `requeueDeadLetters`). */
  readonly queue: QueueStore;
  readonly #cfg: ClientConfig;
  /** The delivery loop, loaded at the first flush (see #delivery()). */
  #loading: Promise<Delivery> | undefined;
  #loop: Delivery | undefined;
  readonly #locks: LockManagerLike | undefined;
  readonly #exit: ExitDelivery | undefined;
  /** This tab's events not yet acknowledged, for exit delivery (browsers only), and those of them still being written. */
  readonly #known = new Map<string, QueueEntry>();
  readonly #writingKeys = new Set<string>();
  #pending: QueueEntry[] = [];
  #writing: Promise<void> | undefined;
  #written: Promise<void> = Promise.resolve();
  #draining: Promise<FlushResult> | undefined;
  #dropped = 0;
  #closing: Promise<FlushResult> | undefined;
  readonly #cleanups: (() => void)[] = [];

  constructor(options: AegisLogOptions) {
    const cfg = (this.#cfg = resolveConfig(options));
    const doc = globalThis.document;
    const nav = globalThis.navigator as (Navigator & { locks?: LockManagerLike }) | undefined;
    const { endpoint, store } = cfg;
    this.endpoint = endpoint;
    this.tenantId = cfg.tenantId;
    this.queue = store;
    this.lockName = `aegislog-flush:${store.name}`;
    this.#locks = options.locks === false ? undefined : (options.locks ?? nav?.locks);

    const fetchLater = options.fetchLater === false ? undefined : (options.fetchLater ?? (globalThis as { fetchLater?: FetchLaterLike }).fetchLater);
    const beacon = options.beacon === false ? undefined : (options.beacon ?? nav?.sendBeacon?.bind(nav));
    const exit = (this.#exit = doc && (fetchLater || beacon)
      ? new ExitDelivery({ endpoint, apiKey: options.apiKey ?? '', headers: cfg.headers, beacon, fetchLater, unsent: () => [...this.#known.values()], holdMs: cfg.timeout })
      : undefined);
    if (exit) {
      const onHide = () => (doc.visibilityState === 'hidden' ? exit.onHide() : exit.onShow());
      // visibilitychange and pagehide, never unload (it breaks the back/forward cache and often does not fire).
      this.#cleanups.push(listen(doc, 'visibilitychange', onHide), listen(globalThis, 'pagehide', () => exit.onHide()));
    }
    const interval = options.flushInterval ?? 5000;
    if (interval > 0) {
      const timer = setInterval(() => this.#autoFlush(), interval) as unknown as { unref?: () => void };
      timer.unref?.(); // never keeps Node alive: beforeExit flushes instead
      this.#cleanups.push(() => clearInterval(timer as never));
      // Events left by an earlier page or process go now, not after the first interval.
      store.count(QUEUED).then((n) => ((cfg.counts.stored = n) && this.#autoFlush()), (error) => cfg.report(storeError(error)));
    }
    const proc = (globalThis as { process?: { off?: unknown } }).process;
    if (!doc && typeof proc?.off === 'function') this.#cleanups.push(listen(proc as EventTarget, 'beforeExit', this.#beforeExit()));
  }

  /**
   * Records an event and returns its event_id. Throws `AegisLogValidationError`
   * naming the field for bad input (nothing is queued then). No I/O here: the
   * write to the queue store happens at the end of the tick.
   */
  record(eventType: string, payload?: Record<string, unknown>, options?: RecordOptions): string {
    if (this.#closing) throw new AegisLogError(ErrorCode.Closed, 'record() after close()');
    const { event, body } = buildEvent(this.tenantId, eventType, payload, options);
    const id = event.event_id;
    const max = this.#cfg.maxQueueSize;
    if (this.#queued() >= max) {
      // Overflow policy: drop the newest. What is queued stays until the server has it.
      this.#dropped++;
      this.#cfg.report(new AegisLogError(ErrorCode.QueueFull, `queue full (maxQueueSize ${max}): event ${id} dropped`), [id]);
      return id;
    }
    const entry: QueueEntry = { key: queueKey(QUEUED, id), event_id: id, body };
    this.#pending.push(entry);
    if (this.#exit) {
      this.#known.set(entry.key, entry);
      this.#writingKeys.add(entry.key);
      this.#exit.scheduleArm();
    }
    this.#writing ??= Promise.resolve().then(() => {
      this.#writing = undefined;
      return this.#persist().then(() => void (this.#queued() >= this.#cfg.batchSize && this.#autoFlush()));
    });
    return id;
  }

  /**
   * Resolves once every event recorded so far is in the queue store (IndexedDB:
   * committed), without sending anything; rejects if the store failed to write.
   */
  async durable(): Promise<void> {
    await this.#persist();
    if (this.#pending.length) throw storeError('not written yet');
  }

  /** Sends one event now through `POST /ingest`; returns its receipt, checked against the digest computed here. */
  async recordSync(eventType: string, payload?: Record<string, unknown>, options?: RecordOptions): Promise<Receipt> {
    const built = buildEvent(this.tenantId, eventType, payload, options);
    // Loaded on first use, as the delivery loop is (see #delivery()).
    return (await import('./sync.js')).recordSync(this.#cfg, built);
  }

  /** The server's verification of an event (PROTOCOL.md §7); an unknown id is `status: 'not_found'`, not a throw. */
  async verify(eventId: string, options: { tenantId?: string } = {}): Promise<VerificationResult> {
    return (await import('./sync.js')).verify(this.#cfg, eventId, options.tenantId ?? this.tenantId);
  }

  /** Sends what is queued, with retries; resolves once the queue is empty or retries ran out (events stay queued). */
  async flush(): Promise<FlushResult> {
    // A running drain may have listed the queue before the latest records: let it end, then drain again.
    await this.#draining;
    return (this.#draining ??= this.#runFlush().finally(() => (this.#draining = undefined)));
  }

  /** Stops the timer and the exit handlers, then flushes. record() throws afterwards. */
  close(): Promise<FlushResult> {
    return (this.#closing ??= (async () => {
      for (const cleanup of this.#cleanups) cleanup();
      const result = await this.flush();
      this.#exit?.arm(); // what the server did not take still leaves with the page
      return result;
    })());
  }

  async [asyncDispose](): Promise<void> {
    await this.close();
  }

  stats(): ClientStats {
    const { inFlight, sent, retried, deadLettered } = this.#cfg.counts;
    return { queued: this.#queued(), inFlight, sent, retried, dropped: this.#dropped, deadLettered };
  }

  /** True while this client holds the flush lock and runs the delivery loop. */
  get flushing(): boolean {
    return !!this.#loop?.flushing;
  }

  #queued(): number {
    return this.#cfg.counts.stored + this.#pending.length;
  }

  /** Writes the pending records in one store call, after earlier writes. A failed write stays pending and is tried again. */
  #persist(): Promise<void> {
    const batch = this.#pending;
    if (batch.length) {
      this.#pending = [];
      this.#written = this.#written.then(() => this.#cfg.store.put(batch)).then(
        () => {
          this.#cfg.counts.stored += batch.length;
          if (this.#writingKeys.size) for (const e of batch) this.#writingKeys.delete(e.key);
        },
        (error) => {
          this.#pending.unshift(...batch);
          this.#cfg.report(storeError(error), batch.map((e) => e.event_id));
        },
      );
    }
    return this.#written;
  }

  async #runFlush(): Promise<FlushResult> {
    try {
      await this.#persist();
      return await (await this.#delivery()).flush();
    } catch (error) {
      const failure = error instanceof AegisLogError ? error : storeError(error);
      this.#cfg.report(failure);
      return { sent: 0, deadLettered: 0, remaining: this.#queued(), error: failure };
    }
  }

  /** Timer and batch-size flushes: not while one runs, nor while backing off after a flush gave up. */
  #autoFlush(): void {
    if (!this.#draining && Date.now() >= (this.#loop?.notBefore ?? 0)) void this.flush();
  }

  /**
   * The delivery loop (HTTP, receipts, retries, dead letters) is a dynamic
   * import: bundlers make it a chunk that loads at the first flush, so that init
   * and record() carry only what they run (docs/client.md, "Size and speed").
   */
  #delivery(): Promise<Delivery> {
    const exit = this.#exit;
    return (this.#loading ??= import('./delivery.js').then(
      ({ Delivery }) =>
        (this.#loop = new Delivery(this.#cfg, {
          keepalive: (body) => exit?.reserve(utf8Length(body)),
          settled: (keys) => {
            for (const key of keys) this.#known.delete(key);
            exit?.scheduleArm();
          },
          locks: this.#locks,
          lockName: this.lockName,
          known: this.#known,
          writing: this.#writingKeys,
        })),
      (error) => {
        this.#loading = undefined; // a chunk that failed to load is fetched again at the next flush
        throw error;
      },
    ));
  }

  /** Node: flush on `beforeExit`, again for as long as flushes make progress (the interval timer is unref'd). */
  #beforeExit(): () => void {
    let stalled = false;
    return () => {
      if (stalled || this.#draining || !this.#queued()) return;
      void this.flush().then((r) => (stalled = !(r.sent + r.deadLettered)));
    };
  }
}

/** Adds a listener to a page's EventTarget or to Node's process (an EventEmitter: on/off); returns its removal. */
function listen(target: EventTarget, type: string, listener: () => void): () => void {
  const t = target as EventTarget & { on?: Function; off?: Function };
  const [add, remove] = t.off ? [t.on!, t.off] : [t.addEventListener, t.removeEventListener];
  add?.call(t, type, listener);
  return () => remove?.call(t, type, listener);
}

function storeError(cause: unknown): AegisLogError {
  return new AegisLogError(ErrorCode.QueueStore, `queue store failed: ${(cause as Error)?.message ?? cause}`, { cause });
}
