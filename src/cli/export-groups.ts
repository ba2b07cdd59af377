import type { CheckpointV1 } from '../protocol/index.js';
import type { PeriodAudit } from '../verify/audit.js';
import { LineSplitter, MAX_LINE } from '../verify/export-input.js';
import { parseLine } from '../verify/ndjson.js';
import { Member, at, memberText, rangeEquals, readReceiptLine } from '../verify/receipt-line.js';
import { readChunks } from './input.js';
import type { AuditorIO } from './run-checked.js';

/**
 * Splits an export into its (period, tenant) groups in one streaming pass, and
 * hands each line to its group's audit as it is read: an export of one tenant and
 * period (what `GET /export` gives) and a concatenation of many are audited the
 * same way, reading the file once and never holding it whole.
 *
 * A line of the server's plain shape is read from its bytes once (receipt-line.ts)
 * and handed over as bytes; any other line is decoded as before and routed by
 * `tenant_id` and `received_at` found with a regular expression (the audit parses
 * it in full). Whatever routing gets wrong, such as a line with a key twice, the
 * audit's own checks of tenant and period still catch: routing is never a check.
 */
export interface Group {
  tenantId: string;
  /** Index of the checkpoint whose period holds the group's receipts. */
  period: number;
}

/** A group's audit, fed synchronously; `endBatch` before another group's audit is fed, and before each await. */
export type GroupSink = Pick<PeriodAudit, 'add' | 'addPlain' | 'endBatch' | 'progress'>;

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
const BOM = [0xef, 0xbb, 0xbf];
const utf8 = new TextEncoder();

/** A group's audit, and what a plain line must hold to be the group's without strings (`undefined`: ask `periodOf`). */
interface Route {
  sink: GroupSink;
  fast?: { tenantToken: Uint8Array; start: Uint8Array; end: Uint8Array };
}

/** Routes the export in the file at `path`, or on stdin (`io`'s in tests) for `-`. */
export async function routeExport(
  path: string,
  checkpoints: readonly CheckpointV1[],
  onGroup: (group: Group) => GroupSink,
  onBytes: (bytes: number, receipts: number) => void,
  io?: AuditorIO,
): Promise<RouteReport> {
  const groups = new Map<string, Route>();
  const report: RouteReport = { receipts: 0, unsealed: 0, unreadable: [], unreadableCount: 0 };
  const disjoint = checkpoints.every((c, k) => c.period_start < c.period_end && (k === 0 || checkpoints[k - 1]!.period_end <= c.period_start));
  // A line's bytes are decoded as the whole file would be: a BOM is dropped only at its start (below); bytes that
  // are not UTF-8 never get here (readChunks refuses the input), so nothing is ever read as U+FFFD.
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let current: Route | undefined;
  let last: Route | undefined;

  /** The group of a receipt line, created on its first line; undefined when no period holds it. */
  const routeTo = (tenantId: string, receivedAt: string): Route | undefined => {
    report.receipts++;
    const period = periodOf(checkpoints, receivedAt);
    if (period < 0) {
      report.unsealed++;
      return undefined;
    }
    const id = `${period}\u0000${tenantId}`;
    let route = groups.get(id);
    if (!route) {
      route = { sink: onGroup({ tenantId, period }) };
      // With periods sorted and apart, a time inside this one's bounds is routed here by periodOf too.
      const checkpoint = checkpoints[period]!;
      if (disjoint && [tenantId, checkpoint.period_start, checkpoint.period_end].every(isAscii)) {
        route.fast = { tenantToken: utf8.encode(JSON.stringify(tenantId)), start: utf8.encode(checkpoint.period_start), end: utf8.encode(checkpoint.period_end) };
      }
      groups.set(id, route);
    }
    return route;
  };
  const feed = (route: Route | undefined): GroupSink | undefined => {
    if (route !== current) current?.sink.endBatch(); // the audits share their hashers' SIMD lanes
    current = route;
    return route?.sink;
  };
  /** A line that readReceiptLine accepted: its members are in `at`. */
  const plainLine = (b: Uint8Array, from: number, to: number) => {
    const time = at[2 * Member.ReceivedAt]! + 1;
    const timeEnd = at[2 * Member.ReceivedAt + 1]! - 1;
    const f = last?.fast;
    if (f && rangeEquals(b, at[2 * Member.TenantId]!, at[2 * Member.TenantId + 1]!, f.tenantToken) && compare(b, time, timeEnd, f.start) >= 0 && compare(b, time, timeEnd, f.end) < 0) {
      report.receipts++;
    } else {
      last = routeTo(memberText(b, Member.TenantId)!, memberText(b, Member.ReceivedAt)!);
    }
    feed(last)?.addPlain(b, from, to);
  };
  /** Any other line, read as text. */
  const textLine = (line: string, lineNo: number) => {
    if (line.trim() === '') return;
    const key = routeOf(line);
    if (typeof key === 'string') return unreadable(lineNo, key);
    feed(routeTo(key.tenantId, key.receivedAt))?.add(parseLine(line));
  };
  const unreadable = (lineNo: number, reason: string) => {
    report.unreadableCount++;
    if (report.unreadable.length < 100) report.unreadable.push({ line: lineNo, reason });
  };
  const split = new LineSplitter((b, start, to, lineNo) => {
    // A BOM at the start of the first line, not of the first chunk: stdin's first chunk may hold less than all of it.
    const from = lineNo === 1 && to - start >= BOM.length && BOM.every((c, k) => b[start + k] === c) ? start + BOM.length : start;
    const end = to > from && b[to - 1] === 0x0d ? to - 1 : to;
    if (readReceiptLine(b, from, end, false)) plainLine(b, from, end);
    else textLine(decoder.decode(b.subarray(from, to)), lineNo);
  }, (lineNo) => unreadable(lineNo, `the line is longer than ${MAX_LINE / 2 ** 20} MiB`)); // said at once, never kept, as the v2 audit and --gaps do
  let bytes = 0;
  for await (const chunk of readChunks(path, io)) {
    split.push(chunk);
    bytes += chunk.length;
    await endChunk();
    onBytes(bytes, report.receipts);
  }
  split.end();
  await endChunk();
  return report;

  /** Every hash waits in no lane, and the audits wait for their signatures in flight: the chunk's bytes may go. */
  async function endChunk(): Promise<void> {
    feed(undefined);
    for (const route of groups.values()) await route.sink.progress(false);
  }
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

function isAscii(text: string): boolean {
  return /^[\x00-\x7f]*$/.test(text);
}

/** Orders the ASCII bytes `b[from..to)` against `bytes` as their strings order (negative, zero or positive). */
function compare(b: Uint8Array, from: number, to: number, bytes: Uint8Array): number {
  const common = Math.min(to - from, bytes.length);
  for (let k = 0; k < common; k++) {
    const diff = b[from + k]! - bytes[k]!;
    if (diff !== 0) return diff;
  }
  return to - from - bytes.length;
}
