/**
 * The real client delivering to the real reference server on 127.0.0.1: what
 * a test reads back is the event exactly as the server stored and signed it.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect } from 'vitest';
import { AegisLog } from '../../src/index.js';
import { aiFlush } from '../../src/ai/index.js';
import { KEYS, start, TENANT, type Running } from '../server/helpers.js';
import { hmac } from './mock-model.js';

export { TENANT };

export interface Harness {
  log: AegisLog;
  server: Running;
  /** Waits for the model calls in progress, delivers, and returns the events stored since the last call (in recording order). */
  events(): Promise<Record<string, any>[]>;
  close(): Promise<void>;
}

export async function harness(): Promise<Harness> {
  const server = await start({ sqlite: false });
  const log = new AegisLog({ endpoint: server.url, tenantId: TENANT, apiKey: KEYS.ingest, flushInterval: 0, locks: false, beacon: false, fetchLater: false });
  const seen = new Set<string>();
  // The order of record() calls, kept by a spy on this client: delivery and the server's leaf order may differ from it.
  const order: string[] = [];
  const record = log.record.bind(log);
  const recordSync = log.recordSync.bind(log);
  log.record = (...args) => {
    const id = record(...args);
    order.push(id);
    return id;
  };
  log.recordSync = async (...args) => {
    const receipt = await recordSync(...args);
    order.push(receipt.event_id);
    return receipt;
  };
  return {
    log,
    server,
    async events() {
      await aiFlush(log);
      const exported = await (await server.call(`/export?tenant_id=${TENANT}`)).text();
      // A header line (PROTOCOL.md §6.2), then one receipt a line.
      const ids = exported.split('\n').filter(Boolean).slice(1).map((line) => JSON.parse(line).event_id as string).filter((id) => !seen.has(id));
      const events = [];
      for (const id of ids) {
        seen.add(id);
        events.push((await (await server.call(`/evidence/${id}?tenant_id=${TENANT}`)).json()).event);
      }
      return events.sort((a, b) => order.indexOf(a.event_id) - order.indexOf(b.event_id));
    },
    async close() {
      await log.close();
      await server.stop();
    },
  };
}

/** The harness and a provider's fake (anthropic-server.ts, openai-server.ts), started for a file's tests. */
export async function startWith<Api>(startApi: () => Promise<Api>): Promise<{ h: Harness; api: Api }> {
  const h = await harness();
  try {
    return { h, api: await startApi() };
  } catch (error) {
    await h.close(); // the test file never gets it to close
    throw error;
  }
}

/** Closes what `startWith` started, the fake first; either may be missing if starting failed. */
export async function closeBoth(h: Harness | undefined, api: { close(): Promise<void> } | undefined): Promise<void> {
  await api?.close();
  await h?.close();
}

/**
 * Collects garbage, a turn of the event loop at a time, until `count` of `promises` settled (200 turns at most),
 * and returns how many did: for the calls an app drops unread, recorded when their promise is collected.
 */
export async function collectUntilSettled(promises: Promise<unknown>[], count: number): Promise<number> {
  const gc = collector();
  let settled = 0;
  for (const p of promises) void p.then(() => settled++);
  for (let turn = 0; settled < count && turn < 200; turn++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  return settled;
}

let fullCollection: (() => void) | undefined;
/** A full collection on demand (the flag set at the first, not on import, for the files that import the harness for the rest). */
function collector(): () => void {
  if (!fullCollection) {
    setFlagsFromString('--expose-gc');
    fullCollection = runInNewContext('gc') as () => void;
  }
  return fullCollection;
}

/** A full collection, then a turn of the event loop (in which FinalizationRegistry callbacks run). */
export async function collectNow(): Promise<void> {
  collector()();
  await new Promise((r) => setImmediate(r));
}

/**
 * Four streams of `create`, each scripted to answer: one kept, read to its end after the collections; one dropped
 * unread; one read by its own iterator up to the item whose text is `first`, then dropped; and one read to its end by
 * its iterator alone, which nothing else holds, with a full collection between its items, which must not end it.
 * Collects garbage until the two dropped are recorded (`handed` is the wrapper's waitUntil list), and returns how
 * many were, and the texts of the kept and the looped ones.
 */
export async function dropStreams(
  handed: Promise<unknown>[],
  create: () => Promise<AsyncIterable<any>>,
  textOf: (item: any) => string | undefined,
  first: string,
): Promise<{ recorded: number; kept: string; looped: string }> {
  const kept = await create();
  // In a function of its own, so that nothing of this frame holds the dropped streams.
  await (async () => {
    await create();
    const items = (await create())[Symbol.asyncIterator]();
    for (let step, n = 0; n < 100 && !(step = await items.next()).done && textOf(step.value) !== first; n++);
  })();
  const recorded = await collectUntilSettled(handed, 2);
  let text = '';
  for await (const item of kept) text += textOf(item) ?? '';
  let looped = '';
  // Its iterator taken in a function of its own: nothing else holds the stream, as in `for await (… of await create())`.
  const items = await (async () => (await create())[Symbol.asyncIterator]())();
  for (let step, n = 0; n < 100 && !(step = await items.next()).done; n++) {
    looped += textOf(step.value) ?? '';
    await collectNow();
  }
  return { recorded, kept: text, looped };
}

/**
 * The event of a stream of `modelId` dropped unread: its call's own fields (integration, operation, input), and these.
 * No answer read, so no model version.
 */
export const unreadEvent = (modelId: string, call: Record<string, unknown>) => ({
  ...generated,
  event_type: 'model_inference',
  ...call,
  streamed: true,
  outcome: 'aborted',
  unread: true,
  model_context: { model_id: modelId, model_version: 'unreported', model_type: 'llm' },
  performance_metrics: { latency_ms: expect.any(Number), anomaly_flags: ['aborted'] },
});

/**
 * The events of dropStreams' four streams, as recorded: the two dropped (in either order), the kept one, the looped
 * one. Checks what every wrapper's must hold (the part-read one aborted with `part` as its output and not unread, the
 * looped one recorded as read, no fifth) and returns the unread, part-read and kept ones for the caller's own checks.
 */
export function droppedEvents(events: Record<string, any>[], part: string) {
  expect(events).toHaveLength(4);
  const [unread, read] = events.slice(0, 2).sort((a) => (a.unread ? -1 : 1));
  expect(read).toMatchObject({ streamed: true, outcome: 'aborted', output_chars: part.length, output_digest: hmac(part) });
  expect(read).not.toHaveProperty('unread');
  // Read by its iterator alone, collections between its items: recorded as read, once.
  expect(events[3]).toMatchObject({ streamed: true, outcome: 'ok' });
  return { unread: unread!, part: read!, kept: events[2]! };
}

/** The ids, time and measured durations of an event, which no test can know beforehand. */
export const generated = {
  tenant_id: TENANT,
  event_id: expect.any(String),
  trace_id: expect.any(String),
  recorded_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
  // The queue numbers every record (PROTOCOL.md §2).
  client_id: expect.any(String),
  client_seq: expect.any(Number),
};
