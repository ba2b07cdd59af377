import type { CliIO } from './command.js';

/**
 * What a terminal acts on instead of showing: C0 controls (newline and carriage return
 * included), DEL, C1 controls, the Unicode line and paragraph separators, and the bidi
 * controls that reorder what is shown.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * A line of report text made safe to print: every character a terminal would act on is
 * written as an escape. Evidence is hostile input, and its strings (an `event_id`, a
 * `tenant_id`, a history's unsigned period fields, a reason quoting them) reach the
 * report: an escape sequence in one could move the cursor up and draw ✓ over the ✗ lines.
 */
export function printable(line: string): string {
  return line.replace(UNSAFE, (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `io` whose every line is `printable`: for text reports, one line per call. */
export function printableIO<T extends CliIO>(io: T): T {
  return { ...io, out: (line: string) => io.out(printable(line)), err: (line: string) => io.err(printable(line)) };
}
