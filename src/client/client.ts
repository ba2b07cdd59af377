import { AegisLogError, type ErrorCode } from '../protocol/errors.js';
import type { Receipt } from '../protocol/types.js';
import type { QueueEntry, QueueState, QueueStore } from '../queue/types.js';
import { utf8Length } from '../transport/bytes.js';
import { ExitDelivery, type FetchLaterLike } from '../transport/exit.js';
import { Delivery, type FlushResult } from './delivery.js';
import { NUMBERING_BYTES, WARM_UP, buildEvent, newId, numbered, type RecordOptions } from './event.js';
import { resolveConfig, type AegisLogOptions, type ClientConfig, type ClientStats, type LockManagerLike, type VerificationResult } from './options.js';
import { recordSync, verify } from './sync.js';

const asyncDispose: typeof Symbol.asyncDispose = Symbol.asyncDispose ?? Symbol.for('Symbol.asyncDispose');

/** Sample records the first client of a realm makes, queueing nothing (see #warmUp): at construction, then when idle. */
const WARM_UP_NOW = 3;
const WARM_UP_CALLS = 64;
let warmed = false;

/**
 * The AegisLog client. `record()` validates, freezes the event as JSON and
 * returns its id; the records of one tick are written ahead to the queue store
 * in one call (one IndexedDB transaction), which numbers them (`client_id`,
 * `client_seq`: PROTOCOL.md §2); one delivery loop sends them and deletes each
 * only once its receipt is checked. See docs/client.md.
 */
export class AegisLog {
  // `declare`: the constructor sets them (in this order), with no class field to define them first.
  declare readonly tenantId: string;
  declare readonly endpoint: string;
  /** The Web Locks name the flushing tab holds (`navigator.locks.query()` lists it under `held`). */
  declare readonly lockName: string;
  /** The queue store: queued events and dead letters (see `deadLetters`, `requeueDeadLetters`). */
  declare readonly queue: QueueStore;
  readonly #cfg: ClientConfig;
  readonly #loop: Delivery;
  readonly #exit: ExitDelivery | undefined;
  /** This tab's written events not yet acknowledged, for exit delivery (browsers only). */
  readonly #known = new Map<string, QueueEntry>();
  /** Records not yet written, in record order; dropped ones have an empty body, `n` of them in a row one entry (each still takes a number). */
  #pending: Pending[] = [];
  #pendingEvents = 0;
  /** Entries taken into #pending, and entries the store has written (or dropped), in record order: see durable(). */
  #recorded = 0;
  #appended = 0;
  /** Events handed to the store's append that has not answered yet: queued, though the store's size does not show them yet. */
  #writingEvents = 0;
  #writing: Promise<void> | undefined;
  #written: Promise<void> = Promise.resolve();
  #draining: Promise<FlushResult> | undefined;
  #dropped = 0;
  /** onError is hearing of a drop (see record()). */
  #telling = false;
  /** The store holds drops that no aegislog.dropped event tells yet (it waits for room in the queue). */
  #owed = false;
  /** No append has answered yet: the store may hold drops an earlier client (page, invocation) left untold. */
  #fresh = true;
  /** Records the store refused alone while it took others (see #write). */
  readonly #refusedAlone = new WeakSet<QueueEntry>();
  /** Why the last write to the store failed; cleared by the next that succeeds (it writes what that one did not). */
  #failed: AegisLogError | undefined;
  #closing: Promise<FlushResult> | undefined;
  /** Set while the constructor runs record() on a sample event: it then returns before queueing. */
  #dry = false;
  readonly #cleanups: (() => void)[] = [];

  constructor(options: AegisLogOptions) {
    const cfg = (this.#cfg = resolveConfig(options));
    const doc = globalThis.document;
    const nav = globalThis.navigator as (Navigator & { locks?: LockManagerLike }) | undefined;
    const { endpoint, store } = cfg;
    this.tenantId = cfg.tenantId;
    this.endpoint = endpoint;
    this.lockName = `aegislog-flush:${store.name}`;
    this.queue = store;

    const fetchLater = options.fetchLater === false ? undefined : (options.fetchLater ?? (globalThis as { fetchLater?: FetchLaterLike }).fetchLater);
    const beacon = options.beacon === false ? undefined : (options.beacon ?? nav?.sendBeacon?.bind(nav));
    const exit = (this.#exit = doc && (fetchLater || beacon)
      ? new ExitDelivery({ endpoint, apiKey: options.apiKey ?? '', headers: cfg.headers, beacon, fetchLater, unsent: () => [...this.#known.values()], holdMs: cfg.timeout })
      : undefined);
    this.#loop = new Delivery(cfg, {
      keepalive: (body) => exit?.reserve(utf8Length(body)),
      settled: (keys) => {
        for (const key of keys) this.#known.delete(key);
        exit?.scheduleArm();
      },
      locks: options.locks === false ? undefined : (options.locks ?? nav?.locks),
      lockName: this.lockName,
      known: this.#known,
    });
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
      // Learns the store's size (and tells drops an earlier page left untold); events left by an
      // earlier page or process go now, not after the first interval.
      void this.#persist(true).then(() => cfg.counts.stored && this.#autoFlush());
    }
    const proc = (globalThis as { process?: { off?: unknown } }).process;
    if (!doc && typeof proc?.off === 'function') this.#cleanups.push(onBeforeExit(proc as { on: Function; off: Function }, this.#beforeExit()));
    if (!warmed && (warmed = this.#warmUp(WARM_UP_NOW))) {
      const idle = (globalThis as { requestIdleCallback?: (run: () => void) => unknown }).requestIdleCallback;
      idle?.(() => this.#warmUp(WARM_UP_CALLS - WARM_UP_NOW));
    }
  }

  /**
   * Records an event and returns its event_id. Throws `AegisLogValidationError`
   * naming the field for bad input (nothing is queued then). No I/O here: the
   * write to the queue store happens at the end of the tick.
   */
  record(eventType: string, payload?: Record<string, unknown>, options?: RecordOptions): string {
    if (this.#closing) throw new AegisLogError('ERR_CLOSED', 'record() after close()');
    const entry = buildEvent(this.tenantId, eventType, payload, options, NUMBERING_BYTES);
    // A shared store's size is as this tab last read it (other tabs deliver meanwhile): there, only what this tab
    // alone holds unwritten is dropped at once (its memory stays bounded), or a record onError makes on hearing of
    // a drop (the count is fresh then; kept, it would be dropped and told again, a tick at a time, without end);
    // the write, which counts, drops the rest.
    const { maxQueueSize: max, store } = this.#cfg;
    const full = this.#queued() >= max && (!store.shared || this.#telling || this.#pendingEvents + this.#writingEvents >= max);
    if (this.#dry) return entry.event_id;
    if (full) {
      // Overflow policy: drop the newest (what is queued stays until the server has it). The drop
      // still takes its number when the tick's records are written, and an aegislog.dropped event tells it.
      this.#drop([entry.event_id]);
      entry.body = '';
    } else this.#pendingEvents++;
    const last = this.#pending.at(-1);
    // A run of drops is one entry: with the store down, one each grew the client by a record() at a time.
    if (full && last && !last.body) last.n = (last.n ?? 1) + 1;
    else this.#pending.push(entry), this.#recorded++;
    this.#writing ??= Promise.resolve().then(() => {
      this.#writing = undefined;
      return this.#persist().then(() => void (this.#queued() >= this.#cfg.batchSize && this.#autoFlush(true)));
    });
    return entry.event_id;
  }

  /**
   * Resolves once every event recorded so far is in the queue store (IndexedDB:
   * committed), without sending anything; rejects if the store failed to write.
   */
  async durable(): Promise<void> {
    // Appends run one after another, a failed one first again, so the records made before this call are
    // written once that many are: one recorded meanwhile, still pending, is not this call's to wait for.
    const recorded = this.#recorded;
    await this.#persist();
    // Why, as flush() and onError tell it (a later write may have succeeded meanwhile: then no reason is known).
    if (this.#appended < recorded) throw this.#failed ?? storeError('not written yet');
  }

  /** Sends one event now through `POST /ingest`; returns its receipt, checked against the digest computed here. */
  async recordSync(eventType: string, payload?: Record<string, unknown>, options?: RecordOptions): Promise<Receipt> {
    if (this.#closing) throw new AegisLogError('ERR_CLOSED', 'recordSync() after close()');
    // Not queued, so not numbered: it is delivered now or the caller gets the error.
    return recordSync(this.#cfg, buildEvent(this.tenantId, eventType, payload, options).body);
  }

  /** The server's verification of an event (PROTOCOL.md §8); an unknown id is `status: 'not_found'`, not a throw. */
  async verify(eventId: string, options: { tenantId?: string } = {}): Promise<VerificationResult> {
    return verify(this.#cfg, eventId, options?.tenantId ?? this.tenantId);
  }

  /** Sends what is queued, with retries; resolves once the queue is empty or retries ran out (events stay queued). */
  async flush(): Promise<FlushResult> {
    // A running drain may have listed the queue before the latest records: let it end, then drain again.
    await this.#draining;
    return (this.#draining ??= this.#runFlush().finally(() => (this.#draining = undefined)));
  }

  /**
   * Stops the timer and the exit handlers, then flushes; record() throws afterwards. Records the store failed
   * to write are written once more first; those it still cannot write are dropped and reported (onError,
   * `stats().dropped`, the result's `error`), not left behind unseen.
   */
  close(): Promise<FlushResult> {
    return (this.#closing ??= (async () => {
      for (const cleanup of this.#cleanups) cleanup();
      // A write under way may fail and put its records back: it ends first, so that the flush writes them once more.
      await this.#persist();
      const result = await this.flush();
      this.#exit?.arm(); // what the server did not take still leaves with the page
      // What the store still could not write would go with the client unseen: dropped and told instead. It took no
      // number, so neither a gap nor an aegislog.dropped event can show it; onError and stats().dropped do.
      const lost = this.#pending.filter((e) => e.body).map((e) => e.event_id);
      if (lost.length) {
        this.#pending = [];
        this.#pendingEvents = 0;
        result.error = this.#drop(lost, 'ERR_QUEUE_STORE', `close(): ${this.#failed?.message}`);
        result.remaining = this.#queued();
      }
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
    return this.#loop.flushing;
  }

  /**
   * Runs record() on a sample event with every context, queueing nothing, once per realm: V8 compiles a
   * function at its first call (the whole record() path: about half a millisecond on a cold page), and
   * the first Date formatting and random bytes set up their engines. Three times at construction, two of
   * them with a trace_id and a time given as a caller may (the event_id is always made, so that the id
   * maker runs three times too): V8 runs a regular expression in its interpreter the first time and
   * compiles it to machine code at the second run (regexp tier-up), which left the patterns (tenant_id,
   * the ids, policy_hash, recorded_at) to the app's first record() (in Chromium, its median went from
   * about 360 to 160 µs). A page's next idle moment runs it WARM_UP_CALLS - WARM_UP_NOW
   * times more, as V8 gives a function inline caches only after a few calls. A first record() on a
   * user's click then finds it ready. Returns false where it could not run.
   */
  #warmUp(calls: number): boolean {
    const [type, payload, options] = WARM_UP;
    const given = { ...options, trace_id: type, recorded_at: '2026-01-01T00:00:00.000Z' };
    this.#dry = true;
    try {
      for (let i = 0; i < calls; i++) this.record(type, payload, i % 3 ? given : options);
      return true;
    } catch {
      // Workers refuse random bytes in global scope, where a client may be made: a later client warms up instead.
      return false;
    } finally {
      this.#dry = false;
    }
  }

  #queued(): number {
    return this.#cfg.counts.stored + this.#pendingEvents + this.#writingEvents;
  }

  /** Counts and reports records not kept: beyond maxQueueSize, or left unwritten at close(). */
  #drop(ids: string[], code: ErrorCode = 'ERR_QUEUE_FULL', why = `queue full (maxQueueSize ${this.#cfg.maxQueueSize})`): AegisLogError {
    this.#dropped += ids.length;
    const what = ids.length > 1 ? `${ids.length} events` : `event ${ids[0]}`;
    const error = new AegisLogError(code, `${why}: ${what} dropped`);
    this.#telling = true;
    this.#cfg.report(error, ids);
    this.#telling = false; // report() never throws: it logs what onError throws
    return error;
  }

  /**
   * Writes the pending records in one store call, after earlier writes, and learns the store's size. A
   * failed write stays pending and is tried again. `always`: even with nothing pending.
   */
  #persist(always = false): Promise<void> {
    if (this.#pending.length || this.#owed || always) {
      // Taken when the write starts, not now: a write before it that fails puts its records back in front of the
      // pending ones, and this one then writes both in record order (taken now, these were numbered before those).
      let batch: Pending[] = [];
      this.#written = this.#written.then(() => {
        batch = this.#pending;
        if (!batch.length && !this.#owed && !always) return; // an earlier write took them
        const events = this.#pendingEvents;
        this.#pending = [];
        this.#pendingEvents = 0;
        this.#writingEvents += events;
        return this.#write(batch);
      }).catch((thrown: unknown) => {
        const { error, entries } = thrown instanceof Unwritten ? thrown : { error: thrown, entries: batch };
        this.#cfg.report((this.#failed = storeError(error)), entries.map((e) => e.event_id));
      });
    }
    return this.#written;
  }

  /**
   * Appends `batch`. A store may refuse one value (over its limit: Upstash's 1 MB request, a Durable Object's
   * 128 KiB) and fail the append that holds it: the batch is then tried as two halves. When one half is taken,
   * the store works and the other holds what it refuses, halved in turn, so that such a record holds back no
   * other. When both are refused, the store is down: all wait for the next write. A record refused alone a
   * second time is dropped (its number taken, an aegislog.dropped event tells it), or it would be tried and
   * told at every write for ever. Rejects with what was not written, put back in front of what is pending.
   */
  async #write(batch: Pending[]): Promise<void> {
    let refused = batch;
    let failure = await this.#append(batch);
    while (failure && refused.length > 1) {
      const parts = [refused.slice(0, refused.length >> 1), refused.slice(refused.length >> 1)];
      const first = await this.#append(parts[0]!);
      const second = await this.#append(parts[1]!);
      if (first && second) break;
      failure = first ?? second; // neither: the first refusal was a passing failure
      refused = parts[first ? 0 : 1]!;
    }
    if (!failure) return;
    const lone = refused !== batch && refused.length === 1 && refused[0]!.body ? refused[0]! : undefined;
    if (lone && this.#refusedAlone.has(lone)) {
      this.#writingEvents--;
      this.#drop([lone.event_id], 'ERR_QUEUE_STORE', 'refused alone twice by the queue store');
      refused = [{ ...lone, body: '' }]; // its number taken now: the store takes small values
      if (!(failure = await this.#append(refused))) return;
    } else if (lone) this.#refusedAlone.add(lone);
    // Back in front, in the same tick as they leave #writingEvents, so stats() never misses nor doubles them.
    const events = refused.filter((e) => e.body).length;
    this.#writingEvents -= events;
    // Not unshift(...refused): a store down for long holds more than a call takes arguments (a RangeError lost them).
    this.#pending = refused.concat(this.#pending);
    this.#pendingEvents += events;
    throw new Unwritten(failure.error, refused);
  }

  /**
   * One append: numbers the records in the store's transaction (PROTOCOL.md §2), drops those beyond
   * `maxQueueSize` of the whole store (other tabs and isolates write it too), and records the
   * `aegislog.dropped` event that tells the drops as soon as the queue has room for it.
   */
  async #append(batch: Pending[]): Promise<{ error: unknown } | undefined> {
    const { store, maxQueueSize, counts } = this.#cfg;
    const events = batch.filter((e) => e.body).length;
    let late: string[] = [];
    let written: QueueEntry[] = [];
    const state = await store.append((s) => {
      // Planned again if the store retries its transaction: nothing outside is touched here.
      late = [];
      written = [];
      s.client_id ||= newId();
      let size = s.size;
      const drop = (seq: number, n = 1) => {
        const d = (s.dropped ??= { count: 0, first_seq: seq, last_seq: seq });
        d.count += n;
        d.last_seq = (s.next_seq = seq + n) - 1;
      };
      for (const e of batch) {
        const seq = s.next_seq++;
        if (!e.body) drop(seq, e.n);
        else if (size >= maxQueueSize) drop(seq), late.push(e.event_id);
        else written.push({ ...e, body: numbered(e.body, s.client_id, seq) }), size++;
      }
      if (s.dropped && size < maxQueueSize) written.push(this.#droppedEvent(s)), delete s.dropped;
      return written;
    }).catch((error: unknown) => ({ error }));
    if ('error' in state) return state; // still counted as being written: #write puts it back
    // In the same tick as the size that now holds them, so stats() never misses nor doubles them.
    this.#writingEvents -= events;
    this.#appended += batch.length;
    this.#failed = undefined;
    counts.stored = state.size;
    this.#owed = !!state.dropped;
    this.#fresh = false;
    if (late.length) this.#drop(late);
    if (this.#exit) {
      for (const e of written) this.#known.set(e.key, e);
      this.#exit.scheduleArm();
    }
  }

  /** The signed account of drops (PROTOCOL.md §2), numbered like any record. */
  #droppedEvent(s: QueueState): QueueEntry {
    const { count, first_seq, last_seq } = s.dropped!;
    const e = buildEvent(this.tenantId, 'aegislog.dropped', { count, first_seq, last_seq }, undefined);
    return { ...e, body: numbered(e.body, s.client_id, s.next_seq++) };
  }

  async #runFlush(): Promise<FlushResult> {
    try {
      await this.#persist(this.#fresh);
      let result = await this.#loop.flush();
      // Room again: tell the drops the store holds, and send that account with this flush. A shared store
      // may hold drops of another tab (gone since, or not flushing): a flush that made room looks (dead
      // letters leave the queue as receipts do).
      const { counts, store, maxQueueSize } = this.#cfg;
      if ((this.#owed || (store.shared && result.sent + result.deadLettered)) && this.#queued() < maxQueueSize) {
        const stored = counts.stored;
        await this.#persist(true);
        if (counts.stored > stored) {
          const more = await this.#loop.flush();
          result = { ...more, sent: result.sent + more.sent, deadLettered: result.deadLettered + more.deadLettered };
        }
      }
      // Records the store could not write are still waiting (in this client only): counted, and why told.
      return { ...result, remaining: this.#queued(), error: result.error ?? this.#failed };
    } catch (error) {
      const failure = error instanceof AegisLogError ? error : storeError(error);
      this.#cfg.report(failure);
      return { sent: 0, deadLettered: 0, remaining: this.#queued(), error: failure };
    }
  }

  /**
   * Timer and batch-size flushes: not while one runs, nor while backing off after a flush gave up. A
   * tab that found another tab flushing leaves the shared queue to it until its next timer tick: the
   * size it sees is every tab's, and trying at each of its writes would only add IndexedDB scans.
   */
  #autoFlush(bySize = false): void {
    if (!this.#draining && Date.now() >= this.#loop.notBefore && !(bySize && this.#loop.lockedElsewhere)) void this.flush();
  }

  /**
   * Node: flush on `beforeExit`, again for as long as flushes make progress (the interval timer is unref'd).
   * A flush that made none is not tried again for the same queue, or the process would never end while the
   * server is down; once the queue has changed (something kept the process alive and recorded), it is.
   */
  #beforeExit(): () => void {
    let stalledAt = -1;
    return () => {
      const queued = this.#queued();
      if (this.#draining || !queued || queued === stalledAt) return;
      void this.flush().then((r) => (stalledAt = r.sent + r.deadLettered ? -1 : this.#queued()));
    };
  }
}

/**
 * The beforeExit flushes of the realm's open clients, behind one listener on Node's process: a server with
 * a client per tenant would otherwise pass Node's limit of 10 listeners and log a "possible memory leak".
 */
const exitFlushes = new Set<() => void>();
const flushAll = () => exitFlushes.forEach((flush) => flush());

/** Adds `flush` to the clients' beforeExit flushes; returns its removal (the last one removes the listener). */
function onBeforeExit(proc: { on: Function; off: Function }, flush: () => void): () => void {
  if (!exitFlushes.size) proc.on('beforeExit', flushAll);
  exitFlushes.add(flush);
  return () => {
    if (exitFlushes.delete(flush) && !exitFlushes.size) proc.off('beforeExit', flushAll);
  };
}

/** Adds a listener to a page's EventTarget; returns its removal (Node's process: `onBeforeExit`). */
function listen(target: EventTarget, type: string, listener: () => void): () => void {
  target.addEventListener?.(type, listener);
  return () => target.removeEventListener?.(type, listener);
}

/** A record not yet written; `n` dropped records in a row are one entry. */
type Pending = QueueEntry & { n?: number };

/** What a write left unwritten (put back in front of the pending records), and why. */
class Unwritten {
  constructor(
    readonly error: unknown,
    readonly entries: Pending[],
  ) {}
}

function storeError(cause: unknown): AegisLogError {
  return new AegisLogError('ERR_QUEUE_STORE', `queue store failed: ${(cause as Error)?.message ?? cause}`, { cause });
}
