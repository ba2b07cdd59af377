import type { AuditorIO } from './run-checked.js';
import { thousands } from './thousands.js';

export interface Progress {
  /** Whether anything is drawn: a caller may skip the work of counting for a bar nobody sees. */
  readonly shown: boolean;
  /** `done` of `total` (bytes read); `count` is what the line reports, e.g. receipts. */
  update(done: number, count: number): void;
  /** Clears the bar. */
  end(): void;
}

const SILENT: Progress = { shown: false, update() {}, end() {} };

/**
 * A progress bar redrawn at most every 100 ms, on stderr only when stderr is a
 * terminal: piped or redirected output never gets control characters.
 */
export function progressBar(io: AuditorIO, total: number, unit: string): Progress {
  const out = io.progress === undefined ? (process.stderr.isTTY ? process.stderr : null) : io.progress;
  if (!out || total <= 0) return SILENT;
  const started = Date.now();
  let last = 0;
  let drawn = false;
  return {
    shown: true,
    update(done, count) {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      const width = Math.max(10, Math.min(40, (out.columns ?? 80) - 50));
      const ratio = Math.min(1, done / total);
      const filled = Math.round(ratio * width);
      const rate = Math.round(count / Math.max(0.001, (now - started) / 1000));
      const figures = `${(ratio * 100).toFixed(0).padStart(3)}% ${thousands(count)} ${unit} ${thousands(rate)}/s`;
      out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${figures}\x1b[K`);
      drawn = true;
    },
    end() {
      if (drawn) out.write('\r\x1b[K');
    },
  };
}
