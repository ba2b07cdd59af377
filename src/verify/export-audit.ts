/**
 * Period exports (PROTOCOL.md §6.2), a self-contained audit file: the header
 * carries the tenant head and the one before it, both proven in a signed
 * checkpoint, and the tenant log's frontier where the period begins; the lines
 * are the period's entries. Streamed in O(log n) memory, however long the period:
 * the frontier must fold to the previous head's root, the lines must be exactly
 * [prev_tree_size, tree_size) in leaf order inside the period, and appending their
 * receipt hashes to the frontier must give the head's root.
 */
import { b64uEncode, bytesEqual, tenantHeadHash } from '../protocol/index.js';
import { callbackOption, problemsListed } from './audit.js';
import { inclusionFailure, leafHash } from '../tlog/merkle.js';
import { createTreeBuilder, popCount } from '../tlog/tree-builder.js';
import { failed, passed, skipped, type Check } from './check.js';
import { noteBody, type Cosigner } from './evidence-v2.js';
import { EntryAudit, type EntryExpectations, type EntryProblem } from './export-entries.js';
import { parseStrictJson } from '../protocol/duplicate-names.js';
import { LineSplitter, MAX_LINE, byteChunks, type ExportSource } from './export-input.js';
import type { NoteVerdict } from './notes.js';
import { Invalid, Skip, object, reasonOf, runCheck, show } from './read.js';
import { readHashes, readHeadV2, readIndex, readNoteText, readOrigin, readProofV2, type ReadHeadV2 } from './read-v2.js';
import { checkNote, fromNoteCheck, requireReceiptSignature, resolveTrust, type Trust, type TrustOptions } from './trust.js';
import { yieldToHost } from './yield.js';

export type ExportCheckName =
  | 'header' | 'checkpoint_signature' | 'witnesses' | 'head_inclusion' | 'prev_head_inclusion' | 'frontier'
  | 'entries' | 'root' | 'events' | 'signatures';

export interface ExportAuditOptions extends TrustOptions {
  /**
   * Also verify every receipt's own signature (default false): the root already
   * authenticates every receipt statement through the signed head; this names a
   * tampered receipt, at ECDSA's cost. An open-period export proves nothing without it.
   */
  verifySignatures?: boolean;
  /** Called every 16,384 lines or so and at the end; `total` is the number of entries the head covers (undefined for the open period). */
  onProgress?: (done: number, total: number | undefined) => void;
  /** Each event of an export made with `&events=true` whose digest matched its receipt, with its leaf index. */
  onEvent?: (event: Record<string, unknown>, leafIndex: number) => void;
  /** Problems listed at most (default 100); `problemCount` is always exact. */
  maxProblems?: number;
}

export interface ExportReport {
  /** The export holds: no check failed, and every check that proves the period passed. */
  ok: boolean;
  /** `open` for an export of the open period (no head: nothing is proven but each receipt's signature); `invalid` without a readable header. */
  status: 'sealed' | 'open' | 'invalid';
  /** The first failed (or missing) check, as `name: reason`. */
  reason?: string;
  origin?: string;
  tenantId?: string;
  periodStart?: string;
  periodEnd?: string;
  prevTreeSize?: number;
  treeSize?: number;
  /** Receipt lines read after the header. */
  count: number;
  /** Root of the frontier with every line appended, base64url. */
  rootB64url?: string;
  checks: Record<ExportCheckName, Check>;
  checkpoint?: { origin: string; size: number; rootB64url: string };
  cosigners: Cosigner[];
  quorum?: string;
  problems: EntryProblem[];
  problemCount: number;
}

const PROGRESS_EVERY = 16_384;
const UNBOUND: EntryExpectations = {
  tenantId: undefined, start: Number.NEGATIVE_INFINITY, end: Number.POSITIVE_INFINITY, first: undefined, treeSize: undefined, frontier: undefined, root: undefined,
};
const decoder = new TextDecoder('utf-8', { fatal: true });
/** Why an open period's export proves no more than its receipts: what its skipped checks say. */
const OPEN_PERIOD = 'open period, not proven: no signed tenant head says that no receipt is missing or added (audit its export again once the period is sealed)';

/**
 * Audits a version-2 period export (`GET /export`, PROTOCOL.md §6.2), streamed from `source`
 * in O(log n) memory: its header's heads and checkpoint against the keys or policy you trust,
 * then that the lines are exactly the period's entries in leaf order and rebuild the signed
 * head. A bad export is a report naming the first failure (`reason`) and the first problems,
 * never a throw; only the caller's own mistakes throw (neither `keys` nor `policy`:
 * `ERR_KEY_INVALID`; a policy key that verifies nothing: `ERR_VKEY_INVALID`, before a line is read).
 */
export async function auditExport(source: ExportSource, options: ExportAuditOptions): Promise<ExportReport> {
  // No options at all is the caller's mistake, said as for empty ones (ERR_KEY_INVALID), not a TypeError.
  options ??= {};
  // Checked before a line is read, once: the run is handed the value.
  const maxProblems = problemsListed(options.maxProblems);
  callbackOption(options.onProgress, 'onProgress');
  callbackOption(options.onEvent, 'onEvent');
  const trust = await resolveTrust(options);
  const run = new ExportRun(trust, { ...options, maxProblems });
  const split = new LineSplitter(
    (b, from, to, line) => run.line(b, from, to, line),
    (line) => run.overlong(line),
  );
  for await (const chunk of byteChunks(source)) {
    split.push(chunk);
    await run.endChunk();
  }
  split.end();
  return run.finish();
}

class ExportRun {
  private header: Record<string, unknown> | undefined;
  private headerError: string | undefined;
  private head: ReadHeadV2 | null | undefined;
  private frontier: Uint8Array[] | undefined;
  private entries: EntryAudit | undefined;
  private verdict: Promise<NoteVerdict> | undefined;
  private lastProgress = 0;
  private lines = 0;

  constructor(
    private readonly trust: Trust,
    private readonly options: ExportAuditOptions,
  ) {}

  line(b: Uint8Array, from: number, to: number, line: number): void {
    this.lines = line;
    if (this.entries) {
      this.entries.line(b, from, to, line);
      return;
    }
    if (this.header === undefined && this.headerError === undefined) {
      if (isBlank(b, from, to)) return;
      this.readHeader(b, from, to);
    }
  }

  overlong(line: number): void {
    this.lines = line;
    if (this.entries) this.entries.unreadable(line, `the line is longer than ${MAX_LINE / 2 ** 20} MiB`);
    else if (this.header === undefined && this.headerError === undefined) this.headerError = `the header line is longer than ${MAX_LINE / 2 ** 20} MiB`;
  }

  async endChunk(): Promise<void> {
    const { entries } = this;
    if (!entries) return;
    entries.endChunk();
    await entries.settle(false);
    if (this.options.onProgress && entries.count - this.lastProgress >= PROGRESS_EVERY) {
      this.lastProgress = entries.count;
      this.options.onProgress(entries.count, this.total());
      await yieldToHost();
    }
  }

  private total(): number | undefined {
    return this.head ? this.head.head.tree_size - this.head.head.prev_tree_size : undefined;
  }

  private readHeader(b: Uint8Array, from: number, to: number): void {
    try {
      let text: string;
      try {
        text = decoder.decode(b.subarray(from, to));
      } catch {
        throw new Invalid('the first line is not UTF-8');
      }
      const value = parseStrictJson(text);
      const h = object(value, 'header');
      if ('digest_b64url' in h && 'signature_b64url' in h) throw new Invalid('the first line is a receipt, not an export header (a version-1 export has none)');
      if (h.v !== 2) throw new Invalid(`header.v is ${show(h.v)}, not 2`);
      if (h.kind !== 'aegislog-export') throw new Invalid('header.kind is not "aegislog-export"');
      readOrigin(h.origin, 'header.origin');
      this.header = h;
    } catch (error) {
      this.headerError = error instanceof SyntaxError || error instanceof TypeError ? 'the first line is not a JSON export header' : reasonOf(error);
      this.entries = this.lineCounter();
      return;
    }
    const h = this.header;
    try {
      this.head = h.tenant_head === null ? null : readHeadV2(h.tenant_head, 'tenant_head');
    } catch {
      this.head = undefined; // head_inclusion says why
    }
    this.frontier = this.readFrontier(h);
    if (typeof h.checkpoint === 'string') {
      this.verdict = checkNote(this.trust, h.checkpoint, h.origin as string);
      // Awaited only once every line is read: an unusable trust (a key off its curve) rejects long
      // before, and must not surface as an unhandled rejection. finish() awaits it and throws.
      this.verdict.catch(() => undefined);
    }
    const head = this.head;
    const { verifySignatures, onEvent, maxProblems } = this.options;
    this.entries = new EntryAudit(
      head
        ? { tenantId: head.head.tenant_id, start: head.start, end: head.end, first: head.head.prev_tree_size, treeSize: head.head.tree_size, frontier: this.frontier, root: head.root }
        : UNBOUND, // the open period (or a head that cannot be read): the lines are only held to each other
      {
        maxProblems: maxProblems!,
        ...(onEvent ? { onEvent } : {}),
        ...(verifySignatures ? { signature: (keyId, signature, message) => this.receiptSignature(keyId, signature, message) } : {}),
      },
    );
  }

  /** The frontier as given, when it is one for prev_tree_size (else the frontier check says why and no root is computed). */
  private readFrontier(h: Record<string, unknown>): Uint8Array[] | undefined {
    if (!this.head) return undefined;
    try {
      const frontier = readHashes(h.frontier_b64url, 'frontier_b64url');
      return frontier.length === popCount(this.head.head.prev_tree_size) ? frontier : undefined;
    } catch {
      return undefined;
    }
  }

  private async receiptSignature(keyId: unknown, signature: unknown, message: Uint8Array): Promise<string | undefined> {
    const check = await runCheck(() => requireReceiptSignature(this.trust, this.header!.origin as string, keyId, signature, message));
    return check.status === 'passed' ? undefined : check.reason;
  }

  /** Without a header the lines are only counted. */
  private lineCounter(): EntryAudit {
    return new EntryAudit(UNBOUND, { maxProblems: 0 });
  }

  async finish(): Promise<ExportReport> {
    const entries = this.entries ?? this.lineCounter();
    const result = await entries.finish();
    this.options.onProgress?.(result.count, this.total());
    const h = this.header;
    if (!h) return this.invalid(result.count);
    const checks = {} as Record<ExportCheckName, Check>;
    checks.header = passed();
    const verdict = this.verdict;
    const open = h.tenant_head === null;
    // The open period proves nothing through a checkpoint: a missing one is no failure there.
    const noNote = open ? skipped('the open period: no checkpoint given') : failed('header.checkpoint is missing or not a string');
    checks.checkpoint_signature = verdict ? fromNoteCheck((await verdict).logSignature) : noNote;
    checks.witnesses = !this.trust.policy
      ? skipped('no policy: no witness is required (a pinned key alone means quorum none)')
      : verdict ? fromNoteCheck((await verdict).witnesses) : noNote;
    if (open) {
      const none = skipped(OPEN_PERIOD);
      Object.assign(checks, { head_inclusion: none, prev_head_inclusion: none, frontier: none });
    } else {
      checks.head_inclusion = await runCheck(() => this.checkHeadInclusion(h));
      checks.prev_head_inclusion = await runCheck(() => this.checkPrevHead(h));
      checks.frontier = await runCheck(() => this.checkFrontier(h));
    }
    checks.entries = this.head === undefined && !open ? skipped('no readable tenant head to hold the lines against') : result.checks.entries;
    if (!open) checks.root = this.head ? result.checks.root : skipped('no readable tenant head');
    if (open) checks.root = skipped(OPEN_PERIOD);
    checks.events = result.checks.events;
    checks.signatures = result.checks.signatures;
    if (open && checks.signatures.status === 'skipped') {
      checks.signatures = skipped("the open period has no root yet: only each receipt's signature proves it (verifySignatures, the CLI's --signatures)");
    } else if (open && result.count === 0) {
      // No signature was checked, so none passed: an open period's header alone proves nothing.
      checks.signatures = skipped("the open period's export holds no receipt: there is no signature to check, and nothing is proven");
    }
    const required: ExportCheckName[] = open
      ? ['header', 'entries', 'signatures']
      : ['header', 'checkpoint_signature', 'head_inclusion', 'frontier', 'entries', 'root'];
    const bad = (Object.entries(checks) as [ExportCheckName, Check][]).find(([name, c]) => c.status === 'failed' || (required.includes(name) && c.status !== 'passed'));
    const head = this.head?.head;
    const report: ExportReport = {
      ok: !bad,
      status: open ? 'open' : 'sealed',
      ...(bad ? { reason: `${bad[0]}: ${bad[1].reason ?? bad[1].status}` } : {}),
      origin: h.origin as string,
      ...(head ? { tenantId: head.tenant_id, periodStart: head.period_start, periodEnd: head.period_end, prevTreeSize: head.prev_tree_size, treeSize: head.tree_size } : {}),
      count: result.count,
      ...(result.rootB64url ? { rootB64url: result.rootB64url } : {}),
      checks,
      cosigners: [],
      problems: entries.problems,
      problemCount: entries.problemCount,
    };
    try {
      const body = noteBody(readNoteText(h.checkpoint, 'header.checkpoint'));
      report.checkpoint = { origin: body.origin, size: body.size, rootB64url: b64uEncode(body.root) };
      const v = await verdict!;
      report.cosigners = v.cosigners.map(({ witness, name, timestamp }) => ({ witness, name, timestamp }));
      if (this.trust.policy) report.quorum = v.quorum;
    } catch {
      /* the checks say why */
    }
    return report;
  }

  private invalid(count: number): ExportReport {
    const why = skipped('no readable export header');
    const header = failed(this.headerError ?? (this.lines === 0 ? 'the export is empty' : 'the export has no header line'));
    const checks = Object.fromEntries(
      (['header', 'checkpoint_signature', 'witnesses', 'head_inclusion', 'prev_head_inclusion', 'frontier', 'entries', 'root', 'events', 'signatures'] as const).map((n) => [n, n === 'header' ? header : why]),
    ) as Record<ExportCheckName, Check>;
    return { ok: false, status: 'invalid', reason: `header: ${checks.header.reason}`, count, checks, cosigners: [], problems: [], problemCount: 0 };
  }

  /** The tenant head at head_index in the checkpoint's root. */
  private checkHeadInclusion(h: Record<string, unknown>): void {
    const { head } = readHeadV2(h.tenant_head, 'tenant_head');
    const index = readIndex(h.head_index, 'head_index');
    const proof = readProofV2(h.head_inclusion, 'head_inclusion');
    const body = noteBody(readNoteText(h.checkpoint, 'checkpoint'));
    if (proof.size !== body.size) throw new Invalid(`head_inclusion.tree_size ${proof.size} is not the checkpoint's size ${body.size}`);
    if (head.prev_head_index !== null && !(head.prev_head_index < index)) throw new Invalid(`the previous head's index ${head.prev_head_index} is not before head_index ${index}`);
    const failure = inclusionFailure({ leafHash: leafHash(tenantHeadHash(head)), index, treeSize: proof.size, proof: proof.path, root: body.root });
    if (failure) throw new Invalid(`the tenant head is not proven in the checkpoint root: ${failure}`);
  }

  /** The previous head: the one the tenant head names, of the same tenant and an earlier period, at prev_head_index in the checkpoint's root. */
  private checkPrevHead(h: Record<string, unknown>): void {
    const { head } = readHeadV2(h.tenant_head, 'tenant_head');
    // As a bundle's period check has it (§4.2): the first head, and only it, names no previous head.
    if ((head.prev_tree_size === 0) !== (head.prev_head_index === null)) {
      throw new Invalid("tenant_head: prev_head_index is null exactly when prev_tree_size is 0 (the tenant's first head)");
    }
    if (head.prev_tree_size === 0) {
      if (h.prev_head !== null || h.prev_head_index !== null || h.prev_head_inclusion !== null) {
        throw new Invalid("the tenant's first head (prev_tree_size 0) has no previous head: prev_head, prev_head_index and prev_head_inclusion must be null");
      }
      throw new Skip("the tenant's first head: there is no previous head");
    }
    const prev = readHeadV2(h.prev_head, 'prev_head');
    const index = readIndex(h.prev_head_index, 'prev_head_index');
    const proof = readProofV2(h.prev_head_inclusion, 'prev_head_inclusion');
    const body = noteBody(readNoteText(h.checkpoint, 'checkpoint'));
    if (prev.head.tenant_id !== head.tenant_id) throw new Invalid(`prev_head is for "${prev.head.tenant_id}", the head for "${head.tenant_id}"`);
    if (prev.head.tree_size !== head.prev_tree_size) throw new Invalid(`prev_head.tree_size ${prev.head.tree_size} is not the head's prev_tree_size ${head.prev_tree_size}`);
    if (index !== head.prev_head_index) throw new Invalid(`prev_head_index ${index} is not the head's prev_head_index ${String(head.prev_head_index)}`);
    if (prev.end > this.head!.start) throw new Invalid("prev_head's period ends after the head's begins");
    if (proof.size !== body.size) throw new Invalid(`prev_head_inclusion.tree_size ${proof.size} is not the checkpoint's size ${body.size}`);
    const failure = inclusionFailure({ leafHash: leafHash(tenantHeadHash(prev.head)), index, treeSize: proof.size, proof: proof.path, root: body.root });
    if (failure) throw new Invalid(`the previous head is not proven in the checkpoint root: ${failure}`);
  }

  /** The frontier at prev_tree_size folds to the previous head's root (empty for the first head). */
  private checkFrontier(h: Record<string, unknown>): void {
    const { head } = readHeadV2(h.tenant_head, 'tenant_head');
    const frontier = readHashes(h.frontier_b64url, 'frontier_b64url');
    const expected = popCount(head.prev_tree_size);
    if (frontier.length !== expected) throw new Invalid(`frontier_b64url has ${frontier.length} hashes; a log of ${head.prev_tree_size} entries has a frontier of ${expected}`);
    if (head.prev_tree_size === 0) return;
    const prev = readHeadV2(h.prev_head, 'prev_head');
    const folded = createTreeBuilder({ size: head.prev_tree_size, frontier }).root();
    if (!bytesEqual(folded, prev.root)) throw new Invalid("the frontier does not fold to the previous head's root");
  }
}

function isBlank(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i] !== 0x20 && b[i] !== 0x09 && b[i] !== 0x0d) return false;
  return true;
}
