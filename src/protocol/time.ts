import { AegisLogError } from './errors.js';

const RFC3339_MS = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z$/;

/** RFC 3339 UTC with milliseconds, the one time format on the wire: `2026-11-28T09:16:52.123Z`. */
export function formatTime(ms: number): string {
  // new Date() reads a string or null as some time, and throws a TypeError of its own for a BigInt or a Symbol.
  if (typeof ms !== 'number') throw new AegisLogError('ERR_TIME_INVALID', `time must be a number of milliseconds, got ${ms === null ? 'null' : typeof ms}`, { field: 'time' });
  const date = new Date(ms);
  // Past the Date range (±8.64e15 ms) or NaN, toISOString throws a RangeError of its own.
  const text = Number.isNaN(date.getTime()) ? '' : date.toISOString();
  if (!RFC3339_MS.test(text)) throw new AegisLogError('ERR_TIME_INVALID', `time ${ms} is outside years 0000–9999`, { field: 'time' });
  return text;
}

/** Parses exactly the format `formatTime` writes (no offsets, no missing milliseconds) into epoch ms. */
export function parseTime(text: unknown, field = 'time'): number {
  if (typeof text !== 'string' || !RFC3339_MS.test(text)) {
    throw new AegisLogError('ERR_TIME_INVALID', `${field} is not an RFC 3339 UTC time with milliseconds`, { field });
  }
  const ms = Date.parse(text);
  // Date.parse rolls 2026-02-30 over to March; the round trip catches it.
  if (!Number.isFinite(ms) || new Date(ms).toISOString() !== text) {
    throw new AegisLogError('ERR_TIME_INVALID', `${field} is not a real calendar time`, { field });
  }
  return ms;
}

export function isTime(text: unknown): text is string {
  try {
    parseTime(text);
    return true;
  } catch {
    return false;
  }
}
