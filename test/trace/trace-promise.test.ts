// What the caller gets from a traced function returning a native promise: the promise's own properties, and
// Node's unhandled-rejection report when it never handles a rejection. Node only (child_process, process events).
import { ChildProcess, execFile } from 'node:child_process';
import { promisify, types } from 'node:util';
import { runInNewContext } from 'node:vm';
import { expect, it } from 'vitest';
import { aegislogTrace } from '../../src/trace/index.js';
import { recordingLog } from './recording-log.js';

/**
 * The `unhandledRejection` reports made while `run` leaves its promise unhandled: [reason, promise] pairs, from the
 * first report to the end of that event-loop turn. Vitest's own listeners are set aside meanwhile (it would fail
 * the run for the report this test expects). Bounded by the test's timeout should nothing be reported.
 */
async function unhandledReports(run: () => Promise<unknown>): Promise<{ reports: [unknown, Promise<unknown>][]; returned: Promise<unknown> }> {
  const theirs = process.listeners('unhandledRejection');
  process.removeAllListeners('unhandledRejection');
  const reports: [unknown, Promise<unknown>][] = [];
  let reported!: () => void;
  const first = new Promise<void>((resolve) => (reported = resolve));
  const listener = (reason: unknown, promise: Promise<unknown>) => {
    reports.push([reason, promise]);
    reported();
  };
  process.on('unhandledRejection', listener);
  try {
    const returned = run();
    await first;
    // Node reports all of a turn's unhandled rejections together; a second one would be in by the next turn.
    await new Promise((resolve) => setImmediate(resolve));
    return { reports, returned };
  } finally {
    process.off('unhandledRejection', listener);
    for (const l of theirs) process.on('unhandledRejection', l as NodeJS.UnhandledRejectionListener);
  }
}

it("keeps a native promise's own properties: promisify(execFile)'s .child", async () => {
  const log = recordingLog();
  const run = aegislogTrace(promisify(execFile), { log, eventType: 'exec', capture: { input: false, output: (r) => (r as { stdout: string }).stdout } });
  const pending = run(process.execPath, ['-e', 'process.stdout.write("hi")']);
  expect(pending.child).toBeInstanceOf(ChildProcess);
  expect(pending.child.pid).toBeGreaterThan(0);
  expect(await pending).toMatchObject({ stdout: 'hi' });
  expect(log.calls.map((c) => c.payload)).toEqual([{ function: 'execFile', outcome: 'ok', output: 'hi' }]);
});

it('a rejection the caller never handles is still reported unhandled: once, with its reason, for the promise it got', async () => {
  const log = recordingLog();
  const err = new Error('nobody listens');
  const fail = aegislogTrace(() => Object.assign(Promise.reject(err), { requestId: 'r-1' }), { log, eventType: 'fail' });
  const { reports, returned } = await unhandledReports(() => fail());
  expect(reports).toHaveLength(1);
  expect(reports[0]![0]).toBe(err);
  expect(reports[0]![1]).toBe(returned);
  expect((returned as { requestId?: string }).requestId).toBe('r-1');
  expect(log.calls.map((c) => c.payload.outcome)).toEqual(['error']);

  // And the promise of a traced async generator's next().
  const gen = aegislogTrace(async function* feed() {
    yield* [];
    throw err;
  }, { log, eventType: 'feed' });
  const fromNext = await unhandledReports(() => gen().next());
  expect(fromNext.reports).toHaveLength(1);
  expect(fromNext.reports[0]![0]).toBe(err);
  expect(fromNext.reports[0]![1]).toBe(fromNext.returned);
  expect(log.calls.map((c) => [c.eventType, c.payload.outcome])).toEqual([['fail', 'error'], ['feed', 'error']]);
}, 10_000);

it("a native promise of another realm (a vm context, an iframe) is a native promise: its unhandled rejection still surfaces", async () => {
  const log = recordingLog();
  const err = new Error('nobody listens here either');
  const other = () => runInNewContext('Promise.reject(err)', { err }) as Promise<unknown>;
  const untraced = await unhandledReports(other);
  expect(untraced.reports.map(([reason]) => reason)).toEqual([err]);
  // Taken for a Promise subclass (returned itself, its rejection handled by the wrapper's then): never reported.
  const fail = aegislogTrace(other, { log, eventType: 'vm' });
  const { reports, returned } = await unhandledReports(() => fail());
  expect(reports).toHaveLength(1);
  expect(reports[0]![0]).toBe(err);
  expect(reports[0]![1]).toBe(returned);
  expect(log.calls.map((c) => c.payload.outcome)).toEqual(['error']);
}, 10_000);

it("a log whose record() returns a promise (a wrapper over recordSync) that rejects: reported through onError, never an unhandled rejection", async () => {
  // Node ends the process on an unhandled rejection: the recording would have broken the app, not only the record.
  const down = new Error('server down');
  const log = { record: () => Promise.reject(down) };
  let told!: (error: unknown) => void;
  const reported = new Promise<unknown>((resolve) => (told = resolve));
  const decide = aegislogTrace((x: number) => x * 2, { log, eventType: 'decide', onError: (error) => told(error) });
  const { reports, returned } = await unhandledReports(async () => {
    const result = decide(21);
    const error = await reported;
    // A report of the rejection would be in by the next turn, as for the rejection tests above; force one so that
    // this helper, which waits for a first report, has one: a rejection handled, then one made on purpose.
    void Promise.reject(new Error('the marker'));
    return [result, error];
  });
  expect(reports.map(([reason]) => (reason as Error).message)).toEqual(['the marker']);
  expect(await returned).toEqual([42, down]);
}, 10_000);

it('an error of another realm (code run in a vm sandbox, an iframe) is recorded as an error: name, message, own fields', () => {
  const log = recordingLog();
  // A tool that runs generated code in a sandbox: what it throws comes from the sandbox's realm, where `instanceof
  // Error` is false. It was recorded as "[TypeError]", its message lost.
  const sandbox = aegislogTrace((code: string) => runInNewContext(code), { log, eventType: 'sandbox' });
  expect(() => sandbox('const e = new TypeError("x is not a function"); e.code = "E_TOOL"; throw e')).toThrow('x is not a function');
  expect(log.calls.map((c) => c.payload.error)).toEqual([{ name: 'TypeError', message: 'x is not a function', code: 'E_TOOL' }]);
});

it('a Date, Map or Set of another realm is described by what it holds, as one of this realm is', () => {
  const log = recordingLog();
  // They were objects with no own fields: "[Date]", "[Map]", "[Set]", what the sandbox returned lost.
  const sandbox = aegislogTrace((code: string) => runInNewContext(code), { log, eventType: 'sandbox', capture: { input: false } });
  sandbox('[new Date(0), new Map([["a", 1]]), new Set([2, 3])]');
  expect(log.calls.map((c) => c.payload.output)).toEqual([['1970-01-01T00:00:00.000Z', { a: 1 }, [2, 3]]]);
});

it("a traced generator is still a generator object to Node's util.types", () => {
  const log = recordingLog();
  const sync = aegislogTrace(function* one() { yield 1; }, { log });
  const async = aegislogTrace(async function* two() { yield 2; }, { log });
  expect([types.isGeneratorObject(sync()), types.isGeneratorObject(async())]).toEqual([true, true]);
});
