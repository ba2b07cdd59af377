import { AegisLogValidationError, ErrorCode } from '../protocol/errors.js';
import { formatTime } from '../protocol/time.js';
import type { WireEvent } from '../protocol/types.js';
import { CONTEXT_NAMES, LIMITS, checkPayloadKeys, isPlainObject, validateEvent } from '../schema/index.js';
import { utf8Length } from '../transport/bytes.js';
import type { EventContexts } from '../schema/zod.js';

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

/** An event and its JSON text, frozen at record() time: later changes to the caller's objects cannot alter what is sent. */
export interface BuiltEvent {
  event: WireEvent;
  body: string;
}

/** Builds and validates the wire event (PROTOCOL.md §2). Throws `AegisLogValidationError` naming the field; nothing is queued then. */
export function buildEvent(tenantId: string, eventType: string, payload: unknown, options: RecordOptions | undefined): BuiltEvent {
  if (payload === undefined || payload === null) payload = {};
  if (!isPlainObject(payload)) throw new AegisLogValidationError(ErrorCode.SchemaInvalid, 'payload must be a plain object', 'payload');
  checkPayloadKeys(payload);
  const o: RecordOptions = options ?? {};
  if (!isPlainObject(o)) throw new AegisLogValidationError(ErrorCode.SchemaInvalid, 'options must be a plain object', 'options');
  for (const key of Object.keys(o)) {
    if (!OPTION_NAMES.has(key)) throw new AegisLogValidationError(ErrorCode.SchemaInvalid, `${key} is not a record option`, key);
  }
  // Object.assign onto a small literal is V8's fast path: half the cost of spreading the payload and
  // adding the options one by one (measured side by side in one process). Undefined options are absent.
  const event: Record<string, unknown> = Object.assign({ tenant_id: tenantId, event_type: eventType }, payload, o);
  // Object.assign sets a '__proto__' key through the prototype setter: that payload field would vanish.
  if (Object.hasOwn(payload, '__proto__')) {
    Object.setPrototypeOf(event, Object.prototype);
    Object.defineProperty(event, '__proto__', { value: payload.__proto__, enumerable: true, writable: true, configurable: true });
  }
  validateEvent(event, { idsFollow: true }); // checks the ids and recorded_at the caller gave
  // Ours are valid by construction, so they are set after the check, which then spends no time on them.
  event.event_id ??= newId();
  event.trace_id ??= newId();
  event.recorded_at ??= clock().time;
  const body = JSON.stringify(event);
  // The check's 1 MiB bound did not count those bytes. The body has canonical JSON's bytes in another key order,
  // so its UTF-8 length is C(event)'s; only an event really over the limit runs the validator again, for its ERR_TOO_LARGE.
  if (body.length * 3 > LIMITS.eventBytes && utf8Length(body) > LIMITS.eventBytes) validateEvent(event);
  return { event: event as WireEvent, body };
}

const HEX = Array.from({ length: 256 }, (_, i) => (i + 256).toString(16).slice(1));
let pool = new Uint8Array(0);
let used = 0;

/**
 * UUID v4 (PROTOCOL.md §2), from CSPRNG bytes drawn 4 KiB at a time with
 * crypto.getRandomValues (as the uuid package does): crypto.randomUUID costs
 * about 3 µs a call in Chromium, two of them more than the rest of record().
 * It also works outside secure contexts, where randomUUID does not exist.
 */
export function newId(): string {
  if (used + 16 > pool.length) (pool = crypto.getRandomValues(new Uint8Array(4096))), (used = 0);
  const b = pool.subarray(used, (used += 16));
  b[6] = (b[6]! & 0x0f) | 0x40; // version 4
  b[8] = (b[8]! & 0x3f) | 0x80; // variant 10
  let id = '';
  for (let k = 0; k < 16; k++) id += (k === 4 || k === 6 || k === 8 || k === 10 ? '-' : '') + HEX[b[k]!];
  return id;
}

/** Now, as epoch ms, its RFC 3339 text and its queue-key form, formatted once per millisecond: a burst of records shares them. */
const now = { ms: -1, time: '', key: '', seq: 0 };
function clock(): typeof now {
  const ms = Date.now();
  if (ms !== now.ms) Object.assign(now, { ms, time: formatTime(ms), key: ms.toString(36).padStart(9, '0'), seq: 0 });
  return now;
}

/**
 * A queue key that sorts in record order, within this tab and roughly across
 * tabs (time first); the event_id makes it unique across tabs and reloads.
 */
export function queueKey(prefix: string, eventId: string): string {
  const t = clock();
  return `${prefix}${t.key}${(t.seq++).toString(36).padStart(4, '0')}:${eventId}`;
}
