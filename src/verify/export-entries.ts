/**
 * The receipt lines of a period export (PROTOCOL.md §6.2), checked as they stream
 * by in O(log n) memory: each line's leaf_index is the next entry of
 * [prev_tree_size, tree_size), its tenant is the head's, its received_at in the
 * period and never before the previous one (§4.1); its receipt hash is appended to
 * the tree started from the frontier at prev_tree_size, whose root must be the
 * head's. Nothing per receipt is kept: a hash waits in a small ring until it is
 * added to the tree at the end of its chunk.
 */
import { b64uEncode, bytesEqual, canonicalBytes, receiptStatementOf, sha256, type Receipt } from '../protocol/index.js';
import { createTreeBuilder, type TreeBuilder } from '../tlog/tree-builder.js';
import { counted, failed, passed, skipped, type Check } from './check.js';
import { ByteClock, Clock } from './clock.js';
import { Member, at, leafIndex, memberText, rangeEquals, readReceiptLine, statementLength, writeStatement } from './receipt-line.js';
import { ReceiptHasher, SLOT_CAPACITY } from './receipt-hash.js';
import { digestOf } from './read.js';
import { duplicateNameReason, findDuplicateName, type DuplicateName } from '../protocol/duplicate-names.js';

export interface EntryExpectations {
  /** The head's tenant; undefined for the open period (then the first line's). */
  tenantId: string | undefined;
  /** The period in epoch ms; NaN for the open period (no bound). */
  start: number;
  end: number;
  /** prev_tree_size; undefined for the open period (then the first line's leaf_index). */
  first: number | undefined;
  /** The head's tree_size; undefined for the open period. */
  treeSize: number | undefined;
  /** The tenant log's frontier at `first`, to append to; undefined when there is none to trust (no root is computed). */
  frontier: readonly Uint8Array[] | undefined;
  /** The head's root, which the frontier and the lines must give. */
  root: Uint8Array | undefined;
}

export interface EntryProblem {
  /** 1-based line of the export (0 for what no line shows, such as missing entries at the end). */
  line: number;
  leafIndex?: number;
  eventId?: string;
  check: 'entries' | 'events' | 'signatures';
  reason: string;
}

export interface EntryOptions {
  /** Checks one receipt signature: the reason it fails, or undefined. Absent: signatures are not checked. */
  signature?: (keyId: unknown, signature: unknown, message: Uint8Array) => Promise<string | undefined>;
  onEvent?: (event: Record<string, unknown>, leafIndex: number) => void;
  maxProblems: number;
}

export interface EntryResult {
  count: number;
  /** The root of the tree after appending every line's receipt hash to the frontier, base64url. */
  rootB64url?: string;
  size?: number;
  checks: { entries: Check; root: Check; events: Check; signatures: Check };
}

const RING = 4096;
/** The tree builder's SIMD batch (tlog/wasm/builder.ts). */
const ALIGN = 1024;
const TRUE = Uint8Array.from('true', (c) => c.charCodeAt(0));
const IN_FLIGHT = 64;
/** A BOM is kept (ignoreBOM): only the export's start may hold one (the header's); before a receipt line it is not JSON. */
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export class EntryAudit {
  private readonly hashes = new Uint8Array(32 * RING);
  private ring = 0;
  private readonly hasher = new ReceiptHasher(() => this.hashes);
  private readonly tree: TreeBuilder | undefined;
  private readonly byteClock = new ByteClock();
  private readonly clock = new Clock();
  private tenantId: string | undefined;
  private tenantToken: Uint8Array | undefined;
  private next: number | undefined;
  private lastTime = Number.NEGATIVE_INFINITY;
  private received = 0;
  private withEvents = 0;
  /** Receipt lines without an `event`, and the first `maxProblems` of them: a fault only if other lines carry theirs. */
  private withoutEvents = 0;
  private readonly noEvent: { line: number; leafIndex: number | undefined; eventId: string | undefined }[] = [];
  readonly problems: EntryProblem[] = [];
  private readonly counts = { entries: 0, events: 0, signatures: 0 };
  private readonly pending: Promise<void>[] = [];
  private big: Uint8Array | undefined;
  private aligned = false;

  constructor(
    private readonly expect: EntryExpectations,
    private readonly options: EntryOptions,
  ) {
    this.next = expect.first;
    this.setTenant(expect.tenantId);
    this.tree = expect.frontier && expect.first !== undefined ? createTreeBuilder({ size: expect.first, frontier: expect.frontier }) : undefined;
  }

  /** Receipt lines read so far. */
  get count(): number {
    return this.received;
  }

  get problemCount(): number {
    return this.counts.entries + this.counts.events + this.counts.signatures;
  }

  /** One line after the header: `b[from..to)`. */
  line(b: Uint8Array, from: number, to: number, line: number): void {
    if (to > from && b[to - 1] === 0x0d) to--;
    let blank = true;
    for (let i = from; i < to && blank; i++) blank = b[i] === 0x20 || b[i] === 0x09;
    if (blank) return;
    // A line carrying `event` (an object, which the plain reader never takes, or a scalar, which the events check
    // refuses) or `kind` (a second header) takes the general path, whose checks see them: the same line is
    // judged the same, however it is spaced.
    if (readReceiptLine(b, from, to) && at[2 * Member.Event]! < 0 && at[2 * Member.Kind]! < 0) this.plainLine(b, line);
    else this.parsedLine(b, from, to, line);
  }

  /** A line that could not be read (longer than the reader takes). */
  unreadable(line: number, reason: string): void {
    this.received++;
    this.problem('entries', line, reason);
  }

  /** Ends a chunk: every hash waiting in a SIMD lane or the ring goes into the tree before the next await. */
  endChunk(): void {
    this.hasher.flush();
    const { tree } = this;
    if (tree) {
      for (let k = 0; k < this.ring; k++) {
        tree.add32(this.hashes, 32 * k);
        if (!this.aligned && tree.size % ALIGN === 0) {
          // The builder hashes a batch of 1,024 leaves four lanes at a time only when the batch starts
          // on a multiple of 1,024; a log continued from prev_tree_size seldom does. Flushing the
          // first, short batch aligns every later one (3× faster tree for the rest of the period).
          tree.frontier();
          this.aligned = true;
        }
      }
    }
    this.ring = 0;
  }

  /** Waits for the signatures in flight, once enough are queued (or all of them, at the end). */
  async settle(final: boolean): Promise<void> {
    if (final || this.pending.length >= IN_FLIGHT) await Promise.all(this.pending.splice(0));
  }

  async finish(): Promise<EntryResult> {
    this.endChunk();
    await this.settle(true);
    const { treeSize } = this.expect;
    if (treeSize !== undefined && this.next !== undefined && this.next < treeSize) {
      this.problem('entries', 0, `entries ${range(this.next, treeSize)} are missing: the head's tree_size is ${treeSize}`);
    }
    // An export made with &events=true carries an event on every line (§6.2): a line without one among them was not
    // checked, and onEvent never saw it. Which lines lack theirs is known only now: the first may come before any event.
    if (this.withEvents > 0 && this.withoutEvents > 0) {
      const reason = `the line carries no event, where ${counted(this.withEvents, 'line of the export carries its', 'lines of the export carry theirs')} (an export with &events=true carries one on every line)`;
      for (const { line, leafIndex, eventId } of this.noEvent) this.problem('events', line, reason, leafIndex, eventId);
      this.counts.events += this.withoutEvents - this.noEvent.length;
    }
    return {
      count: this.received,
      ...(this.tree ? { rootB64url: b64uEncode(this.tree.root()), size: this.tree.size } : {}),
      checks: {
        entries: this.verdict('entries', 'problem with the lines', 'problems with the lines'),
        root: this.rootCheck(),
        events: this.withEvents === 0 ? skipped('no line carries its event (an export without &events=true)') : this.verdict('events', 'event that does not match its receipt', 'events that do not match their receipts'),
        signatures: this.options.signature ? this.verdict('signatures', 'receipt signature that does not verify', 'receipt signatures that do not verify') : skipped('receipt signatures were not asked for: the root proves every receipt statement'),
      },
    };
  }

  /** The frontier with every line's receipt hash appended must be the head: its size and its root. */
  private rootCheck(): Check {
    const { tree } = this;
    const { first, treeSize, root } = this.expect;
    if (!tree || first === undefined || treeSize === undefined || !root) return skipped('no frontier and head root to compare with');
    if (tree.size !== treeSize) {
      return failed(`appending the ${counted(tree.size - first, 'receipt line', 'receipt lines')} to the frontier at ${first} gives a tree of ${tree.size}; the head's tree_size is ${treeSize}`);
    }
    return bytesEqual(tree.root(), root) ? passed() : failed("the root over the frontier and the lines is not the head's root: a receipt was changed or replaced");
  }

  private verdict(check: 'entries' | 'events' | 'signatures', one: string, many: string): Check {
    const n = this.counts[check];
    if (n === 0) return passed();
    const first = this.problems.find((p) => p.check === check);
    return failed(`${counted(n, one, many)}${first ? ` (first: ${describe(first)})` : ''}`);
  }

  /** A receipt line of the server's plain shape, read from its bytes (see receipt-line.ts). */
  private plainLine(b: Uint8Array, line: number): void {
    const index = leafIndex(b);
    const time = this.byteClock.ms(b, at[2 * Member.ReceivedAt]!, at[2 * Member.ReceivedAt + 1]!);
    if (this.tenantToken === undefined) this.setTenant(memberText(b, Member.TenantId));
    const tenantOk = rangeEquals(b, at[2 * Member.TenantId]!, at[2 * Member.TenantId + 1]!, this.tenantToken!);
    const length = statementLength();
    let message: Uint8Array | undefined;
    if (length <= SLOT_CAPACITY) {
      const slot = this.hasher.slot();
      writeStatement(b, slot);
      if (this.options.signature) message = slot.slice(0, length);
      this.hasher.commit(length, 32 * this.ring);
    } else {
      // Longer than a SIMD lane holds (a very long key_id or event_id): hashed on its own, in order.
      if (!this.big || this.big.length < length) this.big = new Uint8Array(2 * length);
      writeStatement(b, this.big);
      const statement = this.big.subarray(0, length);
      this.hasher.flush();
      this.hashes.set(sha256(statement), 32 * this.ring);
      // Only a signature check wants the bytes kept (without one there is nothing to queue them to).
      if (this.options.signature) message = statement.slice();
    }
    this.advanceRing();
    const before = this.problems.length;
    this.place(index, time, tenantOk, rangeEquals(b, at[2 * Member.Ok]!, at[2 * Member.Ok + 1]!, TRUE), line);
    if (this.problems.length > before) this.nameLine(before, memberText(b, Member.EventId), memberText(b, Member.ReceivedAt), memberText(b, Member.TenantId));
    this.lineWithoutEvent(line, index, b); // while `at` still holds this line's members
    if (message) this.queueSignature(memberText(b, Member.KeyId), memberText(b, Member.Signature), message, line, index);
  }

  /** Any other line: JSON.parse, then the same checks on the object. */
  private parsedLine(b: Uint8Array, from: number, to: number, line: number): void {
    let value: unknown;
    let text: string;
    try {
      text = decoder.decode(b.subarray(from, to));
      value = JSON.parse(text);
    } catch (error) {
      this.unreadable(line, error instanceof TypeError ? 'the line is not valid UTF-8' : 'the line is not JSON');
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.unreadable(line, 'the line is not a receipt object');
      return;
    }
    // A member twice (duplicate-names.ts): JSON.parse kept its last value, another reader the first. In the
    // receipt, the line is no receipt (entries); inside its event, the receipt stands and the event fails.
    const duplicate = findDuplicateName(text);
    if (duplicate && !inEvent(duplicate)) {
      this.unreadable(line, duplicateNameReason(duplicate));
      return;
    }
    const r = value as Receipt & { leaf_index?: unknown; event?: unknown; kind?: unknown };
    if (r.kind === 'aegislog-export') {
      this.unreadable(line, 'a second export header');
      return;
    }
    const eventId = typeof r.event_id === 'string' ? r.event_id : undefined;
    try {
      this.hasher.add(r, 32 * this.ring);
    } catch (error) {
      this.received++;
      this.problem('entries', line, `the receipt cannot be hashed: ${error instanceof Error ? error.message : String(error)}`, leafOf(r.leaf_index), eventId);
      return;
    }
    this.advanceRing();
    const index = leafOf(r.leaf_index);
    if (this.tenantId === undefined && typeof r.tenant_id === 'string') this.setTenant(r.tenant_id);
    const before = this.problems.length;
    this.place(index ?? -1, this.clock.ms(r.received_at), r.tenant_id === this.tenantId, r.ok === true, line);
    if (this.problems.length > before) this.nameLine(before, eventId, typeof r.received_at === 'string' ? r.received_at : undefined, String(r.tenant_id));
    if (r.event !== undefined) this.checkEvent(r, line, index, duplicate);
    else this.lineWithoutEvent(line, index, eventId);
    if (this.options.signature) {
      let message: Uint8Array;
      try {
        message = canonicalBytes(receiptStatementOf(r));
      } catch (error) {
        this.problem('signatures', line, `the statement cannot be canonicalised: ${(error as Error).message}`, index, eventId);
        return;
      }
      this.queueSignature(r.key_id, r.signature_b64url, message, line, index);
    }
  }

  private advanceRing(): void {
    if (++this.ring === RING) this.endChunk();
  }

  /** Where the line stands in the log and the period; each problem found is the `entries` check's. */
  private place(index: number, time: number, tenantOk: boolean, okTrue: boolean, line: number): void {
    this.received++;
    const { treeSize, first, start, end } = this.expect;
    if (this.next === undefined && index >= 0) this.next = index; // the open period: the log goes on from the first line
    const next = this.next!;
    if (index < 0) this.problem('entries', line, 'leaf_index is missing or not a non-negative integer');
    else if (treeSize !== undefined && index >= treeSize) this.problem('entries', line, `leaf_index ${index} is beyond the head's tree_size ${treeSize}: a line too many`, index);
    else if (index === next) this.next = next + 1;
    else if (first !== undefined && index < first) this.problem('entries', line, `leaf_index ${index} is before the period's first entry ${first}`, index);
    else if (index < next) this.problem('entries', line, `leaf_index ${index} is repeated or out of order: ${next} was expected`, index);
    else {
      this.problem('entries', line, `entries ${range(next, index)} are missing before leaf_index ${index}`, index);
      this.next = index + 1;
    }
    if (!tenantOk) this.problem('entries', line, 'the receipt belongs to another tenant', index);
    if (!okTrue) this.problem('entries', line, 'the receipt\'s ok is not true', index);
    if (Number.isNaN(time)) this.problem('entries', line, 'received_at is not an RFC 3339 UTC time with milliseconds', index);
    else {
      if (time < start || time >= end) this.problem('entries', line, 'received_at is outside the period', index);
      if (time < this.lastTime) this.problem('entries', line, 'received_at is earlier than the previous line\'s: it never decreases along a tenant log', index);
      else this.lastTime = time;
    }
  }

  /** `duplicate`: a member name given twice inside the event, which refuses it whatever it hashes to. */
  private checkEvent(r: Receipt & { event?: unknown }, line: number, index: number | undefined, duplicate: DuplicateName | undefined): void {
    this.withEvents++;
    const event = r.event;
    let reason: string | undefined;
    if (duplicate) reason = duplicateNameReason(duplicate);
    else if (typeof event !== 'object' || event === null || Array.isArray(event)) reason = 'event is not an object';
    else {
      try {
        const digest = b64uEncode(digestOf(event as Record<string, unknown>));
        if (digest !== r.digest_b64url) reason = `SHA-256 of the event is ${digest}, the receipt says ${String(r.digest_b64url)}`;
      } catch (error) {
        reason = `the event cannot be canonicalised: ${(error as Error).message}`;
      }
      const e = event as Record<string, unknown>;
      for (const field of ['tenant_id', 'event_id', 'trace_id'] as const) {
        if (!reason && e[field] !== r[field]) reason = `the receipt's ${field} differs from the event's`;
      }
      if (!reason && index !== undefined) this.options.onEvent?.(e, index);
    }
    if (reason) this.problem('events', line, reason, index, typeof r.event_id === 'string' ? r.event_id : undefined);
  }

  /** A receipt line without `event` (the plain reader's lines never have one): its event id read from `b` only if kept. */
  private lineWithoutEvent(line: number, index: number | undefined, eventId: string | undefined | Uint8Array): void {
    this.withoutEvents++;
    if (this.noEvent.length >= this.options.maxProblems) return;
    this.noEvent.push({ line, leafIndex: index !== undefined && index >= 0 ? index : undefined, eventId: eventId instanceof Uint8Array ? memberText(eventId, Member.EventId) : eventId });
  }

  private queueSignature(keyId: unknown, signature: unknown, message: Uint8Array, line: number, index: number | undefined): void {
    const check = this.options.signature!(keyId, signature, message).catch((error: unknown) => (error instanceof Error ? error.message : String(error)));
    this.pending.push(
      check.then((reason) => {
        if (reason !== undefined) this.problem('signatures', line, `signature: ${reason}`, index);
      }),
    );
  }

  private problem(check: EntryProblem['check'], line: number, reason: string, leafIndex?: number, eventId?: string): void {
    this.counts[check]++;
    if (this.problems.length >= this.options.maxProblems) return;
    this.problems.push({ line, ...(leafIndex === undefined || leafIndex < 0 ? {} : { leafIndex }), ...(eventId === undefined ? {} : { eventId }), check, reason });
  }

  /** Names the line's event in the problems it just added (from `before` on), and the value at fault. */
  private nameLine(before: number, eventId: string | undefined, receivedAt: string | undefined, tenantId: string | undefined): void {
    for (const p of this.problems.slice(before)) {
      if (eventId !== undefined) p.eventId = eventId;
      if (p.reason === 'received_at is outside the period' && receivedAt !== undefined) p.reason = `received_at ${receivedAt} is outside the period`;
      if (p.reason === 'the receipt belongs to another tenant' && tenantId !== undefined) p.reason = `the receipt belongs to tenant "${tenantId}"`;
    }
  }

  private setTenant(tenantId: string | undefined): void {
    if (tenantId === undefined) return;
    this.tenantId = tenantId;
    this.tenantToken = new TextEncoder().encode(JSON.stringify(tenantId));
  }
}

/** Whether a duplicate is in the line's `event` (the object itself or one inside it), not in the receipt. */
function inEvent(duplicate: DuplicateName): boolean {
  return /^\$\.event(?:$|[.[])/.test(duplicate.path);
}

function leafOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

function range(from: number, to: number): string {
  return to - from === 1 ? `${from}` : `[${from}, ${to})`;
}

function describe(p: EntryProblem): string {
  const where = p.leafIndex !== undefined ? `leaf_index ${p.leafIndex}` : p.line > 0 ? `line ${p.line}` : '';
  return where ? `${where}: ${p.reason}` : p.reason;
}
