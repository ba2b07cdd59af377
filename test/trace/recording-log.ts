import { canonicalize } from '../../src/protocol/index.js';
import { checkPayloadKeys, validateEvent } from '../../src/schema/index.js';
import type { TraceLog } from '../../src/trace/index.js';

export interface RecordedCall {
  eventType: string;
  payload: Record<string, unknown>;
  options: Record<string, unknown>;
  /** The wire event as the client would build it, validated and canonicalised by the real validator and JCS. */
  wire: string;
}

/**
 * A log with the client's `record()` contract: it builds the wire event and runs
 * the same validator and canonical JSON the client runs, throwing what the
 * client throws. Stands in for `AegisLog` so that these tests need no queue or
 * server; whatever passes here is what the real client accepts.
 */
export function recordingLog(): TraceLog & { calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  let n = 0;
  return {
    calls,
    record(eventType, payload, options = {}) {
      checkPayloadKeys(payload);
      const id = `evt-${++n}`;
      const event = validateEvent({ tenant_id: 'acme', event_type: eventType, event_id: id, trace_id: id, ...payload, ...options });
      calls.push({ eventType, payload, options, wire: canonicalize(event) });
      return id;
    },
  };
}
