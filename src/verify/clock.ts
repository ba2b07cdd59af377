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

/**
 * `Clock` for a quoted time token read from bytes (`"2026-12-05T00:00:00.000Z"`,
 * 26 bytes with its quotes), so that an export line's time is checked without a
 * string. NaN when the token is not such a time.
 */
export class ByteClock {
  private readonly day = new Uint8Array(10);
  private dayMs = Number.NaN;

  ms(b: Uint8Array, from: number, to: number): number {
    if (to - from !== 26 || b[from] !== 0x22 || b[to - 1] !== 0x22) return Number.NaN;
    const t = from + 1;
    // YYYY-MM-DDTHH:MM:SS.mmmZ
    if (b[t + 4] !== 0x2d || b[t + 7] !== 0x2d || b[t + 10] !== 0x54 || b[t + 13] !== 0x3a || b[t + 16] !== 0x3a || b[t + 19] !== 0x2e || b[t + 23] !== 0x5a) {
      return Number.NaN;
    }
    let sameDay = !Number.isNaN(this.dayMs);
    for (let k = 0; k < 10 && sameDay; k++) if (b[t + k] !== this.day[k]) sameDay = false;
    if (!sameDay) {
      let date = '';
      for (let k = 0; k < 10; k++) date += String.fromCharCode(b[t + k]!);
      const midnight = `${date}T00:00:00.000Z`;
      if (!/^\d{4}-\d\d-\d\d$/.test(date) || !isTime(midnight)) return Number.NaN;
      this.day.set(b.subarray(t, t + 10));
      this.dayMs = Date.parse(midnight);
    }
    const digit = (k: number): number => {
      const d = b[t + k]! - 48;
      return d >= 0 && d <= 9 ? d : Number.NaN;
    };
    const hours = digit(11) * 10 + digit(12);
    const minutes = digit(14) * 10 + digit(15);
    const seconds = digit(17) * 10 + digit(18);
    const millis = digit(20) * 100 + digit(21) * 10 + digit(22);
    if (!(hours < 24 && minutes < 60 && seconds < 60 && millis >= 0)) return Number.NaN;
    return this.dayMs + ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis;
  }
}
