import type { QueueEntry } from '../queue/types.js';
import { fitCount, utf8Length } from './bytes.js';

/** `fetchLater` (Chromium 135+): a request the browser sends when the document goes away, unless aborted first. */
export type FetchLaterLike = (input: string, init: RequestInit & { activateAfter?: number }) => { readonly activated: boolean };
/** `navigator.sendBeacon`'s shape (bound). */
export type BeaconLike = (url: string, data: string) => boolean;

/** Browsers share 64 KiB of in-flight keepalive bytes (fetch keepalive and sendBeacon) per page. */
export const KEEPALIVE_BUDGET = 64 * 1024;
/** PROTOCOL.md §7: a beacon body is at most 60 KB. fetchLater's quota, 64 KiB per origin with URL and headers, gets the same. */
export const EXIT_MAX_BYTES = 60_000;
const MAX_EVENTS = 500;

export interface ExitConfig {
  endpoint: string;
  apiKey: string;
  headers: Record<string, string>;
  beacon: BeaconLike | undefined;
  fetchLater: FetchLaterLike | undefined;
  /** This tab's events not yet acknowledged, oldest first. */
  unsent(): QueueEntry[];
  /** How long beacon bytes count as in flight: we cannot see them finish. */
  holdMs: number;
}

/**
 * Delivery that must not depend on a live page. With fetchLater, one deferred
 * request stays armed with the unsent events, so that a crashed or killed tab
 * still sends them; otherwise the exit handlers beacon them. Either way they
 * stay queued until a later fetch brings their receipts: the server dedupes by
 * event_id, so a second copy costs nothing.
 */
export class ExitDelivery {
  readonly #cfg: ExitConfig;
  #inflight = 0;
  #armed: AbortController | undefined;
  #armScheduled = false;
  readonly #beaconed = new Set<string>();

  constructor(cfg: ExitConfig) {
    this.#cfg = cfg;
  }

  /** Keepalive bytes for a normal fetch while the page is hidden; undefined when visible or over budget. */
  reserve(bytes: number): (() => void) | undefined {
    if (globalThis.document?.visibilityState !== 'hidden' || this.#inflight + bytes > KEEPALIVE_BUDGET) return undefined;
    this.#inflight += bytes;
    return () => void (this.#inflight -= bytes);
  }

  /** Re-arms the deferred request at the end of this tick, however many events changed in it. */
  scheduleArm(): void {
    if (!this.#cfg.fetchLater || this.#armScheduled) return;
    this.#armScheduled = true;
    queueMicrotask(() => {
      this.#armScheduled = false;
      this.arm();
    });
  }

  /** Arms one deferred batch with as many unsent events as its quota takes; returns how many. */
  arm(): number {
    const { fetchLater, endpoint, headers } = this.#cfg;
    this.#armed?.abort();
    this.#armed = undefined;
    const bodies = this.#cfg.unsent().map((e) => e.body);
    for (let n = fetchLater ? fitCount(bodies, 13, EXIT_MAX_BYTES, MAX_EVENTS) : 0; n > 0; n >>= 1) {
      const abort = new AbortController();
      try {
        fetchLater!(`${endpoint}/ingest/batch`, { method: 'POST', headers, body: `{"events":[${bodies.slice(0, n).join(',')}]}`, signal: abort.signal });
        this.#armed = abort;
        return n;
      } catch (error) {
        // Over quota (other deferred requests on the page): try half. Anything else: no fetchLater here.
        if ((error as Error)?.name !== 'QuotaExceededError') this.#cfg.fetchLater = undefined;
      }
    }
    return 0;
  }

  /** Hidden or leaving: arm the latest events, and beacon what the deferred request does not cover. */
  onHide(): void {
    const { beacon, apiKey, endpoint } = this.#cfg;
    const entries = this.#cfg.unsent().slice(this.arm()).filter((e) => !this.#beaconed.has(e.key));
    const head = `{"key":${JSON.stringify(apiKey)},"events":[`;
    for (let i = 0; beacon && i < entries.length; ) {
      const rest = entries.slice(i).map((e) => e.body);
      const n = fitCount(rest, utf8Length(head) + 2, Math.min(EXIT_MAX_BYTES, KEEPALIVE_BUDGET - this.#inflight), MAX_EVENTS);
      const body = `${head}${rest.slice(0, n).join(',')}]}`;
      if (!n) {
        // An event too big for any beacon waits for a fetch; otherwise the budget is spent.
        if (fitCount(rest, utf8Length(head) + 2, EXIT_MAX_BYTES, 1)) break;
        i++;
      } else if (beacon(`${endpoint}/beacon`, body)) {
        const bytes = utf8Length(body);
        this.#inflight += bytes;
        setTimeout(() => (this.#inflight -= bytes), this.#cfg.holdMs);
        for (const e of entries.slice(i, i + n)) this.#beaconed.add(e.key);
        i += n;
      } else break;
    }
  }

  /** Visible again: what was beaconed and is still unconfirmed may be beaconed at the next exit. */
  onShow(): void {
    this.#beaconed.clear();
  }
}
