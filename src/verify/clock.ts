import { isTime } from '../protocol/index.js';

/**
 * `received_at` to epoch ms, a million times: the format is fixed (PROTOCOL.md §1),
 * so the time of day is read digit by digit and only a new date goes through the
 * calendar check. NaN when the text is not such a time.
 */
export class Clock {
  private static readonly STAMP = /^\d{4}-\d\d-\d\dT([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;
  private day = '';
  private dayMs = Number.NaN;

  ms(text: unknown): number {
    if (typeof text !== 'string' || !Clock.STAMP.test(text)) return Number.NaN;
    if (!text.startsWith(this.day) || this.day === '') {
      this.day = text.slice(0, 10);
      const midnight = `${this.day}T00:00:00.000Z`;
      this.dayMs = isTime(midnight) ? Date.parse(midnight) : Number.NaN;
    }
    const digit = (at: number): number => text.charCodeAt(at) - 48;
    const hours = digit(11) * 10 + digit(12);
    const minutes = digit(14) * 10 + digit(15);
    const seconds = digit(17) * 10 + digit(18);
    return this.dayMs + ((hours * 60 + minutes) * 60 + seconds) * 1000 + digit(20) * 100 + digit(21) * 10 + digit(22);
  }
}
