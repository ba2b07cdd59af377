// The exported zod schemas state the rules of validateEvent (src/schema/zod.ts): a form checked with them must not
// pass an event that record() and the server then refuse. Cases where the two disagreed.
import { describe, expect, it } from 'vitest';
import { validateEvent } from '../../src/schema/index.js';
import { EventSchema } from '../../src/schema/zod.js';

const base = () => ({ tenant_id: 'acme', event_type: 'probe', event_id: 'e-1', trace_id: 'e-1' });

describe('the zod schemas refuse what validateEvent refuses in the contexts and the event type', () => {
  it.each([
    ['a lone surrogate in a context string', { ...base(), model_context: { model_id: '\ud800', model_version: '1' } }, 'model_context.model_id'],
    ['a lone surrogate in a context list', { ...base(), performance_metrics: { anomaly_flags: ['ok', '\udc00'] } }, 'performance_metrics.anomaly_flags.1'],
    ['a lone surrogate in event_type', { ...base(), event_type: 'a\ud800b' }, 'event_type'],
    ['latency_ms an integer beyond 2^53', { ...base(), performance_metrics: { latency_ms: 2 ** 53 } }, 'performance_metrics.latency_ms'],
    // Found in review (2026-12-07): the names the server puts on receipts passed as payload fields.
    ['a receipt field at the top level (received_at)', { ...base(), received_at: '2026-12-07T09:00:00.000Z' }, 'received_at'],
    ['a receipt field at the top level (signature_b64url)', { ...base(), signature_b64url: 'AAAA' }, 'signature_b64url'],
  ])('%s', (_why, event, path) => {
    expect(() => validateEvent(structuredClone(event))).toThrow();
    const result = EventSchema.safeParse(event);
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.'))).toContain(path);
  });

  it('and still take well-formed text and large latencies that are no unsafe integer', () => {
    const event = { ...base(), event_type: 'caf\u00e9 \ud83d\ude00', model_context: { model_id: '\ud83d\ude00', model_version: '1' }, performance_metrics: { latency_ms: 2 ** 53 - 1, anomaly_flags: ['\u00e9'] } };
    expect(() => validateEvent(structuredClone(event))).not.toThrow();
    expect(EventSchema.safeParse(event).success).toBe(true);
  });
});
