import type { AuditorIO } from '../../src/cli/run-checked.js';

/** Captures what a command prints; stdin, fetch and the progress terminal are given per test. */
export function fakeIO(extra: Partial<AuditorIO> = {}): AuditorIO & { stdout: string[]; stderr: string[]; text(): string } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
    progress: null,
    text: () => stdout.join('\n'),
    ...extra,
  };
}
