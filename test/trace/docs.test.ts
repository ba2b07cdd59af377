// docs/trace.md's first example, run as printed (its TypeScript lowered by esbuild): the event it
// records is the one the page shows right below it, field for field (latency aside).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { transform } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { AegisLog, aegislogTrace, type AegisLogOptions } from '../../src/index.js';

const page = readFileSync(join(import.meta.dirname, '../../docs/trace.md'), 'utf8');
const block = (lang: string) => new RegExp('```' + lang + '\\n([\\s\\S]*?)\\n```').exec(page)![1]!;

describe('docs/trace.md, the first example', () => {
  it('records the event the page prints', async () => {
    const sent = new Map<unknown, Record<string, unknown>>(); // by event_id: a failed delivery is sent again
    let log: AegisLog | undefined;
    // The page's `new AegisLog({ endpoint, tenantId, apiKey })`, with a fetch that keeps what it is sent.
    class RecordingLog extends AegisLog {
      constructor(options: AegisLogOptions) {
        super({
          ...options,
          flushInterval: 0,
          fetch: async (_url, init) => {
            const body = JSON.parse(String(init!.body)) as Record<string, unknown>;
            for (const event of (body.events as Record<string, unknown>[] | undefined) ?? [body]) sent.set(event.event_id, event);
            return new Response('{}', { status: 503 });
          },
          retry: { attempts: 0 },
          onError: () => {},
        });
        log = this;
      }
    }
    const code = (await transform(block('ts').replace(/^import .*$/m, ''), { loader: 'ts', format: 'esm' })).code;
    const model = { classify: async (_text: string) => ({ label: 'shipping', score: 0.93 }) };
    const AsyncFunction = (async () => {}).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<void>;
    await new AsyncFunction('AegisLog', 'aegislogTrace', 'endpoint', 'apiKey', 'model', code)(
      RecordingLog, aegislogTrace, 'http://127.0.0.1:9', 'ak_docs_trace_0123456789', model,
    );
    await log!.flush();
    await log!.close();

    const shown = JSON.parse(block('json')) as Record<string, unknown>;
    expect(sent.size).toBe(1);
    const { performance_metrics: metrics, ...rest } = [...sent.values()][0]!;
    const { performance_metrics: _, ...expected } = shown;
    expect(rest).toMatchObject(expected);
    expect(Object.keys(metrics as object)).toEqual(['latency_ms']);
  });
});
