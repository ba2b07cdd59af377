import type { CheckpointV1 } from '../protocol/index.js';
import { readLineChunks } from './input.js';

/**
 * Splits an export into its (period, tenant) groups in one streaming pass, and
 * hands each group's lines to its own consumer as they are read: an export of
 * one tenant and period (what `GET /export` gives) and a concatenation of many
 * are audited the same way, reading the file once and never holding it whole.
 *
 * Routing reads `tenant_id` and `received_at` with a regular expression (the
 * consumer parses each line once, in full); whatever routing gets wrong, such
 * as a line with a key twice, the consumer's own checks of tenant and period
 * still catch, so routing is a convenience, never a check.
 */
export interface Group {
  tenantId: string;
  /** Index of the checkpoint whose period holds the group's receipts. */
  period: number;
  lines: AsyncIterable<string>;
  /** Drops the group's further lines: its consumer gave up, so they must not pile up in memory. */
  discard(): void;
}

export interface RouteReport {
  receipts: number;
  /** Receipts after or between the given checkpoints' periods. */
  unsealed: number;
  /** Lines that are not a JSON object with string `tenant_id` and `received_at`: 1-based line and reason, the first 100. */
  unreadable: { line: number; reason: string }[];
  unreadableCount: number;
}

const TENANT = /"tenant_id"\s*:\s*"([^"\\]*)"/;
const RECEIVED = /"received_at"\s*:\s*"([^"\\]*)"/;

export async function routeExport(
  path: string,
  checkpoints: readonly CheckpointV1[],
  onGroup: (group: Group) => void,
  onBytes: (bytes: number, receipts: number) => void,
): Promise<RouteReport> {
  const groups = new Map<string, { channel: Channel; pending: string[] }>();
  const report: RouteReport = { receipts: 0, unsealed: 0, unreadable: [], unreadableCount: 0 };
  let lineNo = 0;
  /** The group of the line just routed, or undefined for a line that went to none. */
  const take = (line: string) => {
    lineNo++;
    if (line.trim() === '') return undefined;
    const key = routeOf(line);
    if (typeof key === 'string') {
      report.unreadableCount++;
      if (report.unreadable.length < 100) report.unreadable.push({ line: lineNo, reason: key });
      return undefined;
    }
    report.receipts++;
    const period = periodOf(checkpoints, key.receivedAt);
    if (period < 0) {
      report.unsealed++;
      return undefined;
    }
    const id = `${period}\u0000${key.tenantId}`;
    let g = groups.get(id);
    if (!g) {
      const channel = new Channel();
      g = { channel, pending: [] };
      groups.set(id, g);
      onGroup({ tenantId: key.tenantId, period, lines: channel, discard: () => channel.discard() });
    }
    g.pending.push(line);
    return g;
  };
  try {
    for await (const { text, lines } of readLineChunks(path, (bytes) => onBytes(bytes, report.receipts))) {
      let sole = take(lines[0]!);
      for (let i = 1; i < lines.length; i++) if (take(lines[i]!) !== sole) sole = undefined;
      // The usual case, a chunk of one tenant's period: hand over its text as read.
      if (sole) {
        sole.channel.push(text);
        sole.pending = [];
      }
      for (const g of groups.values()) {
        if (g.pending.length) g.channel.push(g.pending.join('\n'));
        g.pending = [];
      }
    }
  } finally {
    for (const g of groups.values()) g.channel.close();
  }
  return report;
}

function routeOf(line: string): { tenantId: string; receivedAt: string } | string {
  const tenant = TENANT.exec(line);
  const received = RECEIVED.exec(line);
  if (tenant && received) return { tenantId: tenant[1]!, receivedAt: received[1]! };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  const r = value as { tenant_id?: unknown; received_at?: unknown } | null;
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return 'not a receipt object';
  if (typeof r.tenant_id !== 'string' || typeof r.received_at !== 'string') return 'a receipt needs string tenant_id and received_at';
  return { tenantId: r.tenant_id, receivedAt: r.received_at };
}

/** The checkpoint whose [period_start, period_end) holds `time` (RFC 3339 UTC ms strings sort as times), or -1. */
function periodOf(checkpoints: readonly CheckpointV1[], time: string): number {
  let lo = 0;
  let hi = checkpoints.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = checkpoints[mid]!;
    if (time < c.period_start) hi = mid - 1;
    else if (time >= c.period_end) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/** An async queue of NDJSON text batches: pushed by the reader, pulled by one consumer. */
class Channel implements AsyncIterable<string> {
  private readonly items: string[] = [];
  private waiting: ((result: IteratorResult<string>) => void) | undefined;
  private closed = false;
  private discarded = false;

  push(item: string): void {
    if (this.discarded) return;
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) waiting({ value: item, done: false });
    else this.items.push(item);
  }

  discard(): void {
    this.discarded = true;
    this.items.length = 0;
  }

  close(): void {
    this.closed = true;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<string> {
    return {
      next: () => {
        if (this.items.length) return Promise.resolve({ value: this.items.shift()!, done: false });
        if (this.closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.waiting = resolve));
      },
    };
  }
}
