// What e2e/pages/harness.js puts on window (tests reach it through page.evaluate).
import type { AegisLog } from '../../src/client/index.js';

declare global {
  interface Window {
    harness: {
      log: AegisLog;
      requests: { url: string; start: number; end: number; status: number }[];
      receipts: string[];
      errors: { code: string; message: string; ids: number }[];
      record(n: number): string[];
      recordFor(forMs: number, everyMs: number): Promise<string[]>;
      recordCost(rounds: number, perRound: number): { median: number; p95: number };
      timeToDurable(n: number): Promise<number>;
    };
  }
}
