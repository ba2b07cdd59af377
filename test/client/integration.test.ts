// The client against the reference server over real HTTP on 127.0.0.1, SQLite on disk.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AegisLog, ErrorCode, memoryQueue } from '../../src/index.js';
import { FAST_RETRY, INGEST_KEY, READ_KEY, TENANT, countBy, storedIds } from './helpers.js';
import { startServer, type RealServer } from './node-server.js';

let server: RealServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.stop();
});

const options = (extra: object = {}) => ({ endpoint: server.url, tenantId: TENANT, apiKey: INGEST_KEY, retry: FAST_RETRY, flushInterval: 0, ...extra });
const stored = () => storedIds((url, init) => fetch(url, init), server.url);

describe('client ↔ reference server over HTTP', () => {
  it('delivers 2,000 fire-and-forget events in batches, each stored once', async () => {
    const log = new AegisLog(options({ batchSize: 100, maxQueueSize: 5000 }));
    const ids = Array.from({ length: 2000 }, (_, i) => log.record('model_inference', { i, prompt: `p${i}` }, {
      model_context: { model_id: 'risk', model_version: '4.2.0' },
      performance_metrics: { latency_ms: i, confidence_score: 0.5 },
    }));
    await log.close();
    expect(log.stats()).toMatchObject({ queued: 0, inFlight: 0, sent: 2000, dropped: 0, deadLettered: 0 });
    const counts = countBy(await stored());
    for (const id of ids) expect(counts.get(id)).toBe(1);
  });

  it('recordSync returns a receipt signed by the pinned key; verify answers, and checks the evidence locally', async () => {
    const publicKeys = await server.signer.publicJwk(); // pinned out of band
    const writer = new AegisLog(options({ publicKeys }));
    const receipt = await writer.recordSync('critical_decision', { outcome: 'approved' }, {
      human_intervention: { required: true, reviewer: 'officer_42', reviewed_at: 1795000000 },
    });
    expect(receipt.ok).toBe(true);
    await writer.close();
    const auditor = new AegisLog(options({ apiKey: READ_KEY, publicKeys }));
    const result = await auditor.verify(receipt.event_id);
    expect(['verified', 'pending']).toContain(result.status);
    expect(result.cryptographic_proof?.kms_signature_valid).toBe(true);
    expect(result.local?.checks.receipt_signature?.ok).toBe(true);
    expect(await auditor.verify('never-recorded')).toMatchObject({ status: 'not_found' });
    await auditor.close();
  });

  it('a beacon body the exit path built is accepted by /beacon as text/plain; the next flush confirms once', async () => {
    const beacons: [string, string][] = [];
    const page = Object.assign(new EventTarget(), { visibilityState: 'visible' });
    Object.assign(globalThis, { document: page });
    let log: AegisLog;
    try {
      log = new AegisLog(options({ queue: memoryQueue(), beacon: (url: string, data: string) => (beacons.push([url, data]), true), fetchLater: false }));
    } finally {
      delete (globalThis as Record<string, unknown>).document;
    }
    const ids = [log.record('exit', { n: 1 }), log.record('exit', { n: 2 })];
    await log.durable(); // the exit path carries written (numbered) events
    page.visibilityState = 'hidden';
    page.dispatchEvent(new Event('visibilitychange'));
    const [url, data] = beacons[0]!;
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain;charset=UTF-8' }, body: data });
    expect(response.status).toBe(204);
    expect(await log.close()).toMatchObject({ sent: 2, remaining: 0 });
    const counts = countBy(await stored());
    expect(ids.map((id) => counts.get(id))).toEqual([1, 1]);
  });

  it('dead-letters an event whose id was taken by other content (409), and delivers its batch mates', async () => {
    const queue = memoryQueue();
    const errors: string[] = [];
    const log = new AegisLog(options({ queue, onError: (e: { code: string }) => errors.push(e.code) }));
    await log.recordSync('first', { v: 1 }, { event_id: 'integration-clash' });
    const mate = log.record('mate', {});
    log.record('second', { v: 2 }, { event_id: 'integration-clash' });
    expect(await log.close()).toMatchObject({ sent: 1, deadLettered: 1 });
    expect(countBy(await stored()).get(mate)).toBe(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).not.toBe(ErrorCode.Network);
  });
});
