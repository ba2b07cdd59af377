// The warm-up of record() (client.ts #warmUp): the first client of a realm runs record() three times
// on a sample event at construction (twice with ids and time given) and 61 times more at the page's
// next idle moment, and none of those records is queued, numbered, counted or reported. Its own module instance (a realm's first client).
import { afterEach, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.unstubAllGlobals();
});

it('warms record() up at construction and at the next idle moment, queueing and numbering nothing', async () => {
  const idle: (() => void)[] = [];
  vi.stubGlobal('requestIdleCallback', (run: () => void) => idle.push(run));
  const { AegisLog, memoryQueue } = await import('../../src/index.js');
  const errors: unknown[] = [];
  const queue = memoryQueue();
  const options = { endpoint: 'https://aegislog.test', tenantId: 'acme', queue, flushInterval: 0, onError: (e: unknown) => void errors.push(e) };
  const log = new AegisLog(options);
  expect(idle).toHaveLength(1); // the rest of the warm-up waits for an idle moment
  idle[0]!();
  const id = log.record('real', { n: 1 });
  await log.durable();
  const entries = await queue.list('q', 100);
  expect(entries.map((e) => e.event_id)).toEqual([id]);
  expect(JSON.parse(entries[0]!.body)).toMatchObject({ event_type: 'real', client_seq: 1 });
  expect(log.stats()).toMatchObject({ queued: 1, dropped: 0 });
  expect(errors).toEqual([]);
  // Once per realm: a second client does not warm up again.
  const other = new AegisLog({ ...options, queue: memoryQueue() });
  expect(idle).toHaveLength(1);
  await Promise.all([log.close(), other.close()]);
});

it('runs each pattern of the record() path twice at construction, so that V8 has compiled it before the first record()', async () => {
  // V8 interprets a regular expression at its first run and compiles it at its second (regexp tier-up): with one
  // warm-up call without ids, the app's first record() paid for compiling the patterns (in Chromium its median
  // went from about 360 to 160 µs). Counted by pattern, through RegExp.prototype.test.
  const runs = new Map<string, number>();
  const test = RegExp.prototype.test;
  vi.spyOn(RegExp.prototype, 'test').mockImplementation(function (this: RegExp, text: string) {
    runs.set(this.source, (runs.get(this.source) ?? 0) + 1);
    return test.call(this, text);
  });
  try {
    vi.stubGlobal('requestIdleCallback', () => undefined);
    vi.resetModules(); // a fresh realm's first client: the test above warmed its module instance up
    const { AegisLog, memoryQueue } = await import('../../src/index.js');
    const log = new AegisLog({ endpoint: 'https://aegislog.test', tenantId: 'acme', queue: memoryQueue(), flushInterval: 0 });
    const atConstruction = new Map(runs);
    runs.clear();
    log.record('real', { n: 1 }, {
      event_id: 'e-1', trace_id: 't-1', recorded_at: '2026-12-06T10:00:00.000Z',
      policy_context: { policy_name: 'p', policy_version: '1', policy_hash: `sha256:${'ab'.repeat(32)}` },
    });
    expect(runs.size).toBeGreaterThanOrEqual(3); // tenant_id, the ids, recorded_at, policy_hash
    for (const source of runs.keys()) expect({ source, runs: atConstruction.get(source) ?? 0 }).toEqual({ source, runs: expect.toSatisfy((n: number) => n >= 2) });
    await log.close();
  } finally {
    vi.restoreAllMocks();
  }
});
