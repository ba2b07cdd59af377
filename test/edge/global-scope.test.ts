// A client made in a Worker's global scope, in real workerd (miniflare), over the BUILT package: workerd
// refuses random bytes there, and the constructor's warm-up of record() draws some. The warm-up must give
// way (the first record() in a handler warms up instead) rather than make `new AegisLog()` throw.
import { build } from 'esbuild';
import type { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { newMiniflare, ROOT, requireDist } from './workerd.js';

const WORKER = `
import { AegisLog, memoryQueue } from 'aegislog';
let refused = '';
try {
  crypto.getRandomValues(new Uint8Array(1));
} catch (error) {
  refused = String(error);
}
let made = '';
let log;
try {
  log = new AegisLog({ endpoint: 'http://127.0.0.1:9', tenantId: 'acme', flushInterval: 0, queue: memoryQueue(), onError() {} });
} catch (error) {
  made = String(error);
}
export default {
  async fetch() {
    const ids = [log?.record('edge', { n: 1 }), log?.record('edge', { n: 2 })];
    await log?.durable();
    const bodies = (await log?.queue.list('q', 10) ?? []).map((e) => JSON.parse(e.body));
    return Response.json({ refused, made, ids, bodies });
  },
};`;

let mf: Miniflare;

beforeAll(async () => {
  requireDist('index.js');
  const bundled = await build({
    stdin: { contents: WORKER, resolveDir: ROOT, loader: 'js' },
    bundle: true, format: 'esm', platform: 'browser', target: 'es2022', conditions: ['workerd', 'worker', 'browser'], write: false, logLevel: 'error',
    alias: { aegislog: resolve(ROOT, 'dist/esm/index.js') },
  });
  mf = newMiniflare({ modules: true, script: bundled.outputFiles[0]!.text, compatibilityDate: '2025-09-01' });
  await mf.ready;
});

afterAll(async () => {
  await mf?.dispose();
});

describe('a client made in a Worker global scope', () => {
  it('is made although workerd refuses random bytes there, and records in the handler', async () => {
    const answer = (await (await mf.dispatchFetch('https://worker.example/')).json()) as {
      refused: string; made: string; ids: string[]; bodies: { event_id: string; client_seq: number; n: number }[];
    };
    // The premise: this workerd refuses random bytes in global scope (else this test proves nothing).
    expect(answer.refused).toMatch(/global scope/);
    expect(answer.made).toBe('');
    expect(answer.ids).toHaveLength(2);
    expect(answer.bodies.map((b) => [b.event_id, b.n, b.client_seq])).toEqual([[answer.ids[0], 1, 1], [answer.ids[1], 2, 2]]);
  });
});
