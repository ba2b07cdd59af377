/**
 * Period audits (PROTOCOL.md §4): rebuild a tenant's tree from an export in any
 * order and compare it with the signed tenant head. Per receipt only its 32-byte
 * hash and its sort key are kept; when the export comes in leaf order (as
 * `GET /export` sends it) the tree is built while reading and nothing is sorted.
 */
import { AegisLogError, b64uEncode, bytesEqual, canonicalBytes, receiptStatementOf, type Receipt } from '../protocol/index.js';
import { ByteClock, Clock } from './clock.js';
import type { Backend } from './ecdsa.js';
import { counted, failed, passed, type Check } from './check.js';
import { partsOf, proveTenantHead, type BundleParts } from './evidence-v1.js';
import { usableKeys, type KeyInput, type VerifyKey } from './keys.js';
import { IdArena } from './id-arena.js';
import { LineError, readReceipts, type ReceiptSource } from './ndjson.js';
import { Invalid, readTenantHead, reasonOf, requireSignature, runCheck, type ReadHead } from './read.js';
import { Member, at, memberText, rangeEquals, statementLength, writeStatement } from './receipt-line.js';
import { ReceiptHasher, SLOT_CAPACITY } from './receipt-hash.js';
import { createTreeBuilder } from '../tlog/tree-builder.js';
import { yieldToHost } from './yield.js';

export interface AuditOptions {
  keys: KeyInput;
  /** Called every 16,384 receipts and at the end, with the head's tree size as the total. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Also verify every receipt's signature (default false). The root check already
   * authenticates every receipt statement through the signed head; this adds each
   * receipt's own signature, and names a tampered receipt, at ECDSA's cost.
   */
  verifySignatures?: boolean;
  backend?: Backend;
  /** Problems listed at most (default 100); `problemCount` is always exact. */
  maxProblems?: number;
}

export interface AuditProblem {
  /** 0-based position in the export, counting every line or item (receipts or not). */
  index: number;
  eventId?: string;
  reason: string;
}

export interface AuditReport {
  ok: boolean;
  /** The first failure, as a sentence. */
  reason?: string;
  tenantId: string;
  periodStart: string;
  periodEnd: string;
  /** Receipts the signed head covers, and receipts read. */
  treeSize: number;
  count: number;
  /** The root rebuilt from the export, base64url. */
  rootB64url: string;
  /** The export came in leaf order ((received_at, event_id) ascending). */
  inOrder: boolean;
  /** The head was proven here (a bundle or `{tenant_head, tenant_inclusion, checkpoint}` was given), not taken as given. */
  headProven: boolean;
  /** `head` only when a proof was given; `signatures` only when asked. */
  checks: { head?: Check; receipts: Check; root: Check; signatures?: Check };
  problems: AuditProblem[];
  problemCount: number;
}

/** A tenant head to compare with: a bare `TenantHeadV1` (taken as given), or anything carrying it with its proof (a sealed bundle). */
export type AuditTarget = object;

const PROGRESS_EVERY = 16_384;
const SIGNATURES_IN_FLIGHT = 64;

/**
 * Version 1 (PROTOCOL-v1.md): rebuilds a tenant's tree for one period from its export, in any
 * order, and compares its root and size with the signed tenant head. `target` is a sealed
 * evidence bundle of that tenant and period (or anything with its `tenant_head`,
 * `tenant_inclusion` and `checkpoint`: the head is then proven here), or a bare tenant head,
 * taken as given; anything else throws `ERR_BUNDLE_INVALID`. Bad receipts are problems of the
 * report, never a throw.
 */
export async function auditPeriod(receipts: ReceiptSource, target: AuditTarget, options: AuditOptions): Promise<AuditReport> {
  const audit = openPeriodAudit(target, options);
  for await (const batch of readReceipts(receipts)) {
    for (const item of batch) audit.add(item);
    audit.endBatch();
    await audit.progress(false);
  }
  return audit.finish();
}

/**
 * The audit `auditPeriod` runs, for a caller that reads the export itself and feeds it
 * item by item or line by line (`aegislog audit`, which routes one file's lines to
 * many audits). Throws what `auditPeriod` rejects with for an unusable target or keys.
 */
export interface PeriodAudit {
  /** One item of the export: a receipt object, a `LineError`, or anything else (a problem). */
  add(value: unknown): void;
  /**
   * The line `b[from..to)` that `readReceiptLine(b, from, to, false)` has just read (its
   * members are in `at`): the same as `add` of its JSON.parse, without making the object.
   */
  addPlain(b: Uint8Array, from: number, to: number): void;
  /** Must be called before another audit adds anything, and before each await: see `Audit.endBatch`. */
  endBatch(): void;
  progress(final: boolean): Promise<void>;
  finish(): Promise<AuditReport>;
}

/**
 * `maxProblems` (default 100), checked: NaN (an unset variable read as a number) listed no problem here and every
 * one in an export audit, which then kept every problem of a file of 10^7 lines and lost its bounded
 * memory. The count stays exact either way.
 */
export function problemsListed(given: unknown): number {
  if (given === undefined) return 100;
  if (!(Number.isSafeInteger(given) && (given as number) >= 0)) throw new AegisLogError('ERR_CONFIG', 'maxProblems must be a whole number ≥ 0', { field: 'maxProblems' });
  return given as number;
}

/** A callback option (`onProgress`, `onEvent`), checked before anything is read: one that is no function threw a TypeError only when first called. */
export function callbackOption(given: unknown, name: string): void {
  if (given !== undefined && given !== null && typeof given !== 'function') throw new AegisLogError('ERR_CONFIG', `${name} must be a function`, { field: name });
}

export function openPeriodAudit(target: AuditTarget, options: AuditOptions): PeriodAudit {
  // No options at all is the caller's mistake, said as for empty ones (ERR_KEY_INVALID, keys), not a TypeError.
  options ??= {} as AuditOptions;
  const maxProblems = problemsListed(options.maxProblems);
  callbackOption(options.onProgress, 'onProgress');
  const keys = usableKeys(options.keys);
  const { head, proof } = resolveTarget(target);
  const headCheck = proof ? runCheck(() => proveTenantHead(proof, keys, options.backend)) : undefined;
  return new Audit(head, keys, { ...options, maxProblems }, headCheck);
}

function resolveTarget(target: AuditTarget): { head: ReadHead; proof?: BundleParts } {
  const t = target as Record<string, unknown> | null;
  try {
    if (t && typeof t === 'object' && 'tenant_head' in t) {
      const proof = partsOf(t);
      return { head: proof.head(), proof };
    }
    if (t && typeof t === 'object' && 'root_b64url' in t && !('log_id' in t)) return { head: readTenantHead(t) };
  } catch (error) {
    throw new AegisLogError('ERR_BUNDLE_INVALID', `cannot audit against this tenant head: ${reasonOf(error)}`, { field: 'tenant_head' });
  }
  throw new AegisLogError(
    'ERR_BUNDLE_INVALID',
    'audit against a tenant head, or a sealed bundle of the tenant and period (it carries the head and its proof in the checkpoint)',
    { field: 'tenant_head' },
  );
}

const ascii = new TextDecoder();
const TRUE = Uint8Array.from('true', (c) => c.charCodeAt(0));
/** A receipt is its statement plus `ok: true` (PROTOCOL-v1.md §3), as the bundle check and the export audit hold it. */
const NOT_OK = "the receipt's ok is not true";
/** Receipts the arrays hold at most from the start, however many the head claims. */
const ROOM_MAX = 1 << 20;

/**
 * Room for the receipts the head claims, made at once rather than by doubling: each doubling
 * copies the arrays into fresh pages, and the kernel's faults on them were a tenth of a 10^6
 * audit's time. A head claiming more than the export holds costs only address space: pages never
 * written are never backed.
 */
function roomFor(treeSize: number): number {
  return Math.min(Math.max(treeSize, 1024), ROOM_MAX);
}

/** The running state of one audit. */
class Audit implements PeriodAudit {
  private hashes: Uint8Array;
  private times: Float64Array;
  /** Where each hashed receipt stood in the export, for problems found after sorting. */
  private positions: Uint32Array;
  private seen = 0;
  private readonly ids: IdArena;
  private readonly tree = createTreeBuilder();
  private treeSize = 0;
  private readonly hasher = new ReceiptHasher(() => this.hashes);
  private readonly clock = new Clock();
  private readonly byteClock = new ByteClock();
  /** The head's tenant_id as a JSON string token, to compare with a plain line's raw token. */
  private readonly tenantToken: Uint8Array;
  /** Statement bytes too long for a hasher lane (rare: a very long key_id or event_id). */
  private long = new Uint8Array(0);
  private inOrder = true;
  private count = 0;
  private readonly problems: AuditProblem[] = [];
  private problemCount = 0;
  private readonly pending: Promise<void>[] = [];
  private badSignatures = 0;
  private lastProgress = 0;
  private readonly start: number;
  private readonly end: number;

  constructor(
    private readonly head: ReadHead,
    private readonly keys: VerifyKey[],
    private readonly options: AuditOptions,
    private readonly headCheck: Promise<Check> | undefined,
  ) {
    this.start = head.start;
    this.end = head.end;
    const room = roomFor(head.head.tree_size);
    this.hashes = new Uint8Array(32 * room);
    this.times = new Float64Array(room);
    this.positions = new Uint32Array(room);
    this.ids = new IdArena(room);
    this.tenantToken = new TextEncoder().encode(JSON.stringify(head.head.tenant_id));
  }

  problem(eventId: string | undefined, reason: string, index = this.seen): void {
    this.problemCount++;
    if (this.problems.length < this.options.maxProblems!) {
      this.problems.push(eventId === undefined ? { index, reason } : { index, eventId, reason });
    }
  }

  /** Reads one item of the export (a receipt, or a line that is not one). */
  add(value: unknown): void {
    if (value instanceof LineError) this.problem(undefined, value.reason);
    else if (typeof value !== 'object' || value === null || Array.isArray(value)) this.problem(undefined, 'not a receipt object');
    else this.addReceipt(value as Receipt);
    this.seen++;
  }

  private addReceipt(r: Receipt): void {
    const i = this.count;
    const id = typeof r.event_id === 'string' ? r.event_id : '';
    const time = this.clock.ms(r.received_at);
    try {
      this.grow(i);
      this.hasher.add(r, 32 * i);
    } catch (error) {
      this.problem(id || undefined, `cannot be hashed: ${reasonOf(error)}`);
      return;
    }
    this.checkFields(r, id, time);
    this.ids.push(id);
    this.place(i, time, () => id);
    if (this.options.verifySignatures) this.queueSignature(r, id, this.seen);
  }

  addPlain(b: Uint8Array, from: number, to: number): void {
    // Signatures want the receipt's key_id and signature as strings: the object path has them (the line is ASCII).
    if (this.options.verifySignatures) return this.add(JSON.parse(ascii.decode(b.subarray(from, to))));
    const i = this.count;
    this.grow(i);
    const length = statementLength();
    if (length <= SLOT_CAPACITY) {
      writeStatement(b, this.hasher.slot());
      this.hasher.commit(length, 32 * i);
    } else {
      if (this.long.length < length) this.long = new Uint8Array(2 * length);
      writeStatement(b, this.long);
      this.hasher.commitLong(this.long.subarray(0, length), 32 * i);
    }
    // The checks of checkFields, on the raw tokens: plain string tokens (ASCII, no escapes) are their own text.
    const id = () => memberText(b, Member.EventId)!;
    const time = this.byteClock.ms(b, at[2 * Member.ReceivedAt]!, at[2 * Member.ReceivedAt + 1]!);
    if (!rangeEquals(b, at[2 * Member.TenantId]!, at[2 * Member.TenantId + 1]!, this.tenantToken)) this.problem(id(), `belongs to tenant "${memberText(b, Member.TenantId)}"`);
    if (!rangeEquals(b, at[2 * Member.Ok]!, at[2 * Member.Ok + 1]!, TRUE)) this.problem(id(), NOT_OK);
    if (Number.isNaN(time)) this.problem(id(), 'received_at is not an RFC 3339 UTC time with milliseconds');
    else if (!(time >= this.start && time < this.end)) this.problem(id(), `received_at ${memberText(b, Member.ReceivedAt)} is outside the period`);
    const idFrom = at[2 * Member.EventId]! + 1;
    const idTo = at[2 * Member.EventId + 1]! - 1;
    if (idTo === idFrom) this.problem(undefined, 'has no event_id');
    this.ids.pushAscii(b, idFrom, idTo);
    this.place(i, time, id);
    this.seen++;
  }

  /** Records receipt `i` (hashed, its id pushed) and keeps the tree growing while the export stays in leaf order. */
  private place(i: number, time: number, id: () => string): void {
    this.times[i] = Number.isNaN(time) ? Number.NEGATIVE_INFINITY : time;
    this.positions[i] = this.seen;
    if (i > 0 && this.inOrder) {
      const prev = this.times[i - 1]!;
      if (time < prev) this.inOrder = false;
      else if (time === prev) {
        const order = this.ids.compare(i, i - 1);
        if (order < 0) this.inOrder = false;
        else if (order === 0) this.problem(id(), 'appears twice');
      }
    }
    this.count++;
    if (this.inOrder) this.growTree();
  }

  /** Adds to the tree every receipt whose hash is ready (in leaf order, so far). */
  private growTree(): void {
    for (const ready = this.hasher.ready; this.treeSize < ready; this.treeSize++) this.tree.add32(this.hashes, 32 * this.treeSize);
  }

  private checkFields(r: Receipt, id: string, time: number): void {
    if (r.tenant_id !== this.head.head.tenant_id) this.problem(id, `belongs to tenant "${String(r.tenant_id)}"`);
    if (r.ok !== true) this.problem(id, NOT_OK);
    if (Number.isNaN(time)) this.problem(id, 'received_at is not an RFC 3339 UTC time with milliseconds');
    else if (!(time >= this.start && time < this.end)) this.problem(id, `received_at ${r.received_at} is outside the period`);
    if (id === '') this.problem(undefined, 'has no event_id');
  }

  private queueSignature(r: Receipt, id: string, index: number): void {
    // runCheck turns whatever the receipt makes go wrong (no key for its key_id, a statement JCS refuses) into a reason.
    const check = runCheck(() => {
      // As the export audit says it (trust.ts), not in the key API's words.
      if (typeof r.signature_b64url !== 'string') throw new Invalid('signature_b64url is missing or not a string');
      return requireSignature(this.keys, r.key_id, r.signature_b64url, canonicalBytes(receiptStatementOf(r)), this.options.backend);
    });
    this.pending.push(
      check.then(({ ok, reason }) => {
        if (ok) return;
        this.badSignatures++;
        this.problem(id, `signature: ${reason}`, index);
      }),
    );
  }

  /**
   * Hashes the receipts still waiting in SIMD lanes before the next await: the lanes live
   * in the WebAssembly memory that every audit shares, so an audit running beside this one
   * would otherwise overwrite them (`aegislog audit` runs one per tenant and period at once).
   */
  endBatch(): void {
    this.hasher.flush();
    if (this.inOrder) this.growTree();
  }

  /** Waits for signatures in flight when enough are queued (or all, at the end), and reports progress. */
  async progress(final: boolean): Promise<void> {
    if (final || this.pending.length >= SIGNATURES_IN_FLIGHT) await Promise.all(this.pending.splice(0));
    if (!this.options.onProgress) return;
    if (final || this.count - this.lastProgress >= PROGRESS_EVERY) {
      this.lastProgress = this.count;
      this.options.onProgress(this.count, this.head.head.tree_size);
      if (!final) await yieldToHost();
    }
  }

  async finish(): Promise<AuditReport> {
    await this.progress(true); // every batch ended with endBatch(): no hash waits in a lane, the tree holds what it can
    const headCheck = await this.headCheck;
    const root = this.inOrder ? this.tree.root() : this.sortedRoot();
    const { head } = this.head;
    const checks: AuditReport['checks'] = {
      ...(headCheck ? { head: headCheck } : {}),
      receipts: this.receiptsCheck(),
      root: bytesEqual(root, this.head.root) ? passed() : failed(this.rootReason()),
      ...(this.options.verifySignatures
        ? { signatures: this.badSignatures ? failed(counted(this.badSignatures, 'receipt signature does not verify', 'receipt signatures do not verify')) : passed() }
        : {}),
    };
    const bad = Object.values(checks).find((c) => !c.ok);
    return {
      ok: !bad,
      ...(bad ? { reason: bad.reason } : {}),
      tenantId: head.tenant_id,
      periodStart: head.period_start,
      periodEnd: head.period_end,
      treeSize: head.tree_size,
      count: this.count,
      rootB64url: b64uEncode(root),
      inOrder: this.inOrder,
      headProven: headCheck?.ok === true,
      checks,
      problems: this.problems,
      problemCount: this.problemCount,
    };
  }

  private receiptsCheck(): Check {
    const n = this.problemCount - this.badSignatures;
    // The first listed receipt problem, if any is listed (maxProblems 0 lists none; signature problems are not the receipts').
    const first = this.problems.find((p) => !p.reason.startsWith('signature: '));
    return n === 0 ? passed() : failed(`${counted(n, 'problem with the receipts', 'problems with the receipts')}${first ? ` (first: ${first.reason})` : ''}`);
  }

  private rootReason(): string {
    const size = this.head.head.tree_size;
    if (this.count < size) return `the export has ${this.count} receipts, the signed head ${size}: ${size - this.count} missing`;
    if (this.count > size) return `the export has ${this.count} receipts, the signed head ${size}: ${this.count - size} extra`;
    return 'the rebuilt root differs from the signed head: a receipt was changed, or replaced';
  }

  /** Leaf order for an unordered export: sort positions by (received_at, event_id), then build. */
  private sortedRoot(): Uint8Array {
    const { times, ids } = this;
    const order = new Uint32Array(this.count);
    for (let i = 0; i < order.length; i++) order[i] = i;
    order.sort((a, b) => times[a]! - times[b]! || ids.compare(a, b));
    const tree = createTreeBuilder();
    for (let k = 0; k < order.length; k++) {
      const i = order[k]!;
      if (k > 0) {
        const j = order[k - 1]!;
        if (times[i] === times[j] && ids.compare(i, j) === 0) this.problem(ids.get(i), 'appears twice', this.positions[i]);
      }
      tree.add32(this.hashes, 32 * i);
    }
    return tree.root();
  }

  private grow(i: number): void {
    if (32 * (i + 1) <= this.hashes.length) return;
    const hashes = new Uint8Array(this.hashes.length * 2);
    hashes.set(this.hashes);
    this.hashes = hashes;
    const times = new Float64Array(this.times.length * 2);
    times.set(this.times);
    this.times = times;
    const positions = new Uint32Array(this.positions.length * 2);
    positions.set(this.positions);
    this.positions = positions;
  }
}
