import { CONTEXT_NAMES, EVENT_BYTES, checkPayloadKeys, invalid, isPlainObject, validateRecorded } from '../schema/index.js';
import { QUEUED, type QueueEntry } from '../queue/types.js';
import type { EventContexts } from '../schema/zod.js';
import { utf8Length } from '../transport/bytes.js';

/**
 * Per-event options, by their wire names (as OpenAI's and Stripe's SDKs keep
 * wire names for wire data). `recorded_at` defaults to the client clock.
 */
export interface RecordOptions extends EventContexts {
  event_id?: string;
  trace_id?: string;
  recorded_at?: string;
}

const OPTION_NAMES: ReadonlySet<string> = new Set(['event_id', 'trace_id', 'recorded_at', ...CONTEXT_NAMES]);

/**
 * Bytes that numbering adds to a queued event at its write (`,"client_id":"…","client_seq":N`, at
 * most): record() keeps room for them under the 1 MiB limit.
 */
export const NUMBERING_BYTES = ',"client_id":"","client_seq":'.length + 128 + 16;

/**
 * Builds and validates the wire event (PROTOCOL.md §2) and freezes it as JSON: later changes to the
 * caller's objects cannot alter what is sent. Throws `AegisLogValidationError` naming the field;
 * nothing is queued then. `room` is what the event must leave of the 1 MiB limit.
 */
export function buildEvent(tenantId: string, eventType: string, payload: unknown, options: RecordOptions | undefined, room = 0): QueueEntry {
  if (payload === undefined || payload === null) payload = {};
  if (!isPlainObject(payload)) throw invalid('payload', 'must be a plain object');
  checkPayloadKeys(payload);
  const o: RecordOptions = options ?? {};
  if (!isPlainObject(o)) throw invalid('options', 'must be a plain object');
  for (const key of Object.keys(o)) {
    if (!OPTION_NAMES.has(key)) throw invalid(key, 'is not a record option');
  }
  // Object.assign onto a small literal is V8's fast path: half the cost of spreading the payload and
  // adding the options one by one (measured side by side in one process). Undefined options are absent.
  const event: Record<string, unknown> = Object.assign({ tenant_id: tenantId, event_type: eventType }, payload, o);
  // Object.assign sets a '__proto__' key through the prototype setter: that payload field would vanish.
  if (Object.hasOwn(payload, '__proto__')) {
    Object.setPrototypeOf(event, Object.prototype);
    Object.defineProperty(event, '__proto__', { value: payload.__proto__, enumerable: true, writable: true, configurable: true });
  }
  // Checks the ids and recorded_at the caller gave; ours are valid by construction and set after. The
  // size is measured below, on the JSON made anyway.
  validateRecorded(event);
  const id = (event.event_id ??= newId()) as string;
  // PROTOCOL.md §2: without a trace_id the server uses the event_id; the client does the same, and sends it.
  event.trace_id ??= id;
  tick();
  event.recorded_at ??= clockTime;
  const body = JSON.stringify(event);
  // The body has canonical JSON's bytes in another key order, so its UTF-8 length is C(event)'s.
  if (body.length * 3 + room > EVENT_BYTES && utf8Length(body) + room > EVENT_BYTES) {
    throw invalid('event', `is larger than ${EVENT_BYTES - room} bytes as canonical JSON${room ? ' (the rest is kept for client_id and client_seq)' : ''}`, 'ERR_TOO_LARGE');
  }
  // The queue key (`q…`, see queue/types.ts) sorts in record order, within this tab and roughly across
  // tabs (time first); the event_id makes it unique across tabs and reloads.
  return { key: `${QUEUED}${clockKey}${(seq++).toString(36).padStart(4, '0')}:${id}`, event_id: id, body };
}

/**
 * A sample event with every context, for the warm-up of record() at construction (see the client):
 * V8 compiles a function at its first call, gives it inline caches only after a few calls, and the
 * first Date formatting and random bytes set up their engines.
 */
export const WARM_UP: [string, Record<string, unknown>, RecordOptions] = ['warm_up', { text: 'é', n: 1, ok: true, list: [null, { a: 1 }] }, {
  model_context: { model_id: 'm', model_version: '1', model_type: 'llm' },
  policy_context: { policy_name: 'p', policy_version: '1', policy_hash: `sha256:${'0'.repeat(64)}` },
  performance_metrics: { latency_ms: 1, confidence_score: 0.5, input_tokens: 1, output_tokens: 1, anomaly_flags: ['a'] },
  human_intervention: { required: false, reviewed_at: 1 },
  data_provenance: { reference_databases: ['a'], data_version: '1' },
  session_context: { session_id: 's', started_at: 1 },
}];

/** The body of a queued event with its number (PROTOCOL.md §2), added when the queue store writes it. */
export function numbered(body: string, clientId: string, seq: number): string {
  return `${body.slice(0, -1)},"client_id":${JSON.stringify(clientId)},"client_seq":${seq}}`;
}

const DIGITS = '0123456789abcdef';
/** The id's 36 character codes, the dashes (45) in place: each call writes the digits around them. */
const ID_CODES = /* @__PURE__ */ new Uint16Array(36).fill(45);
let pool = new Uint8Array(0);
let used = 0;

/**
 * UUID v4 (PROTOCOL.md §2), from CSPRNG bytes drawn 4 KiB at a time with
 * crypto.getRandomValues (as the uuid package does): crypto.randomUUID costs
 * about 1.6 µs a call in Chromium, half of the rest of record().
 * It also works outside secure contexts, where randomUUID does not exist.
 * The id is made in one piece from its character codes: built by 20 string
 * concatenations instead, it made the event's JSON.stringify about 1.3 µs
 * slower in Chromium (measured side by side on the same event).
 */
export function newId(): string {
  if (used + 16 > pool.length) (pool = crypto.getRandomValues(new Uint8Array(4096))), (used = 0);
  const at = used;
  used += 16;
  pool[at + 6] = (pool[at + 6]! & 0x0f) | 0x40; // version 4
  pool[at + 8] = (pool[at + 8]! & 0x3f) | 0x80; // variant 10
  for (let k = 0, j = 0; k < 16; k++) {
    if (k === 4 || k === 6 || k === 8 || k === 10) j++; // past the dash
    const byte = pool[at + k]!;
    ID_CODES[j++] = DIGITS.charCodeAt(byte >> 4);
    ID_CODES[j++] = DIGITS.charCodeAt(byte & 15);
  }
  return String.fromCharCode.apply(null, ID_CODES as unknown as number[]);
}

// Now as epoch ms, its RFC 3339 text and its queue-key form, made once per millisecond: a burst of
// records shares them. Variables rather than an object's properties, whose names a minifier must keep.
let clockMs = -1;
let clockTime = '';
let clockKey = '';
/** Keys made in this millisecond: the tie-breaker of the next one. */
let seq = 0;
/** The latest ms a key of this realm was made at: the clock may step back (NTP), keys made before do not. */
let latest = 0;
function tick(): void {
  const ms = Date.now();
  if (ms !== clockMs) (clockMs = ms), (clockTime = new Date(ms).toISOString()), (clockKey = ms.toString(36).padStart(9, '0')), (seq = 0), (latest = Math.max(latest, ms));
}

/** A key that sorts after the keys of every record made up to `ms` (or made by this realm before its clock stepped back), and before later ones. */
export const keysAfter = (ms: number): string => `${QUEUED}${Math.max(ms, latest).toString(36).padStart(9, '0')}~`;

