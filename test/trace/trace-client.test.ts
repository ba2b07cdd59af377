import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AegisLog, AegisLogValidationError, aegislogTrace } from '../../src/index.js';
import { KEYS, start, TENANT, type Running } from '../server/helpers.js';

// The wrapper with the real client, against the real reference server on
// 127.0.0.1: what the traced call recorded is what the server stored and signed.
let server: Running;
let log: AegisLog;
beforeAll(async () => {
  server = await start({ sqlite: false });
  log = new AegisLog({ endpoint: server.url, tenantId: TENANT, apiKey: KEYS.ingest, flushInterval: 0, locks: false, beacon: false, fetchLater: false });
});
afterAll(async () => {
  await log?.close();
  await server?.stop();
});

describe('aegislogTrace with AegisLog', () => {
  it('records input, output and latency, delivered and signed by the server', async () => {
    const score = aegislogTrace(
      async (applicant: { id: string; ssn: string }) => ({ approved: applicant.id.startsWith('A'), score: 0.91 }),
      {
        log, // the client itself: AegisLog satisfies the wrapper's structural TraceLog
        eventType: 'loan_decision',
        model_context: { model_id: 'risk', model_version: '4.2.0' },
        human_intervention: { required: false },
        redact: ['ssn'],
      },
    );
    expect(await score({ id: 'A123', ssn: '078-05-1120' })).toEqual({ approved: true, score: 0.91 });
    const flushed = await log.flush();
    expect(flushed).toMatchObject({ sent: 1 });
    const exported = await (await server.call(`/export?tenant_id=${TENANT}`)).text();
    const receipt = JSON.parse(exported.trim().split('\n').at(-1)!);
    const bundle = await (await server.call(`/evidence/${receipt.event_id}?tenant_id=${TENANT}`)).json();
    expect(bundle.event).toMatchObject({
      event_type: 'loan_decision',
      function: 'anonymous',
      outcome: 'ok',
      input: [{ id: 'A123', ssn: '[REDACTED]' }],
      output: { approved: true, score: 0.91 },
      model_context: { model_id: 'risk', model_version: '4.2.0' },
    });
    expect(bundle.event.performance_metrics.latency_ms).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(bundle)).not.toContain('078-05-1120');
  });

  it("reports the client's validation error through onError and leaves the call alone", () => {
    const onError = vi.fn();
    const f = aegislogTrace((x: number) => x * 2, { log, eventType: 'double', session_context: { session_id: 's', started_at: -1 }, onError });
    expect(f(21)).toBe(42);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0]![0]).toBeInstanceOf(AegisLogValidationError);
    expect((onError.mock.calls[0]![0] as AegisLogValidationError).field).toBe('session_context.started_at');
  });
});
