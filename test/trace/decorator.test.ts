import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingLog } from './recording-log.js';
import type { makeClassifier as MakeClassifier } from './fixtures/decorated.js';
import { trace } from '../../src/trace/index.js';

// The fixture uses real `@trace(...)` syntax; esbuild lowers the standard
// decorators the way a user's bundler would, then the bundle runs here.
let dir: string;
let makeClassifier: typeof MakeClassifier;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aegislog-decorator-'));
  const outfile = join(dir, 'decorated.mjs');
  await build({
    entryPoints: [join(import.meta.dirname, 'fixtures/decorated.ts')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    outfile,
    logLevel: 'silent',
  });
  ({ makeClassifier } = await import(pathToFileURL(outfile).href));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('@trace (TypeScript 5 standard method decorator)', () => {
  it('records a sync method, keeps `this`, and takes the log from the instance', () => {
    const log = recordingLog();
    const Classifier = makeClassifier(recordingLog());
    const c = new Classifier(3, log);
    const out: 'long' | 'short' = c.classify('hello', { apiKey: 'SECRET' });
    expect(out).toBe('long');
    expect(c.calls).toBe(1);
    const call = log.calls[0]!;
    expect(call.eventType).toBe('classify');
    expect(call.payload).toEqual({ function: 'classify', outcome: 'ok', input: ['hello', { apiKey: '[REDACTED]' }], output: 'long' });
    expect(call.options.model_context).toEqual({ model_id: 'clf', model_version: '2.3.1' });
    expect(call.wire).not.toContain('SECRET');
  });

  it('records an async method that resolves and one that rejects, re-throwing the same error', async () => {
    const log = recordingLog();
    const Classifier = makeClassifier(log);
    const c = new Classifier(9, recordingLog());
    await expect(c.remote('x')).resolves.toBe('remote:9');
    await expect(c.remote('')).rejects.toThrow('empty text');
    expect(log.calls.map((x) => [x.eventType, x.payload.outcome, x.payload.output])).toEqual([
      ['classifier.remote', 'ok', undefined],
      ['classifier.remote', 'error', undefined],
    ]);
    expect(log.calls[1]!.payload.error).toEqual({ name: 'Error', message: 'empty text' });
    expect((log.calls[0]!.options.performance_metrics as { latency_ms: number }).latency_ms).toBeGreaterThanOrEqual(4);
  });

  it('on a getter, setter, field or accessor: ERR_CONFIG naming the decorated member, not a TypeError', () => {
    // What a JavaScript (Babel) user or a cast reaches: the decorator is given a context of another kind.
    const decorate = trace({ log: recordingLog() });
    for (const kind of ['getter', 'setter', 'field', 'accessor', 'class'] as const) {
      const make = () => decorate(function () {} as never, { kind, name: 'score' } as never);
      expect(make).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'score' }));
    }
  });
});
