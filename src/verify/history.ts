/**
 * Checkpoint histories (PROTOCOL.md §6.3): the answer of `GET /checkpoints`, an
 * offline-verifiable file. Every note signed by a log key, one origin, sizes that
 * never decrease, each consecutive pair consistent (equal sizes, equal roots), and
 * the witness quorum on the newest note: older notes are covered by their
 * consistency with it, so a witness that was down then does not break the history.
 * Only the notes are signed; the period fields are shown as given.
 */
import { b64uEncode, bytesEqual } from '../protocol/index.js';
import { isEmptyTreeRoot, type CheckpointBody } from '../tlog/checkpoint.js';
import { verifyConsistency } from '../tlog/merkle.js';
import { counted, failed, passed, skipped, type Check } from './check.js';
import { EMPTY_ROOT_NEEDED, type Cosigner } from './evidence-v2.js';
import type { NoteVerdict } from './notes.js';
import { Invalid, object, reasonOf, show } from './read.js';
import { readHashes } from './read-v2.js';
import { checkNote, fromNoteCheck, resolveTrust, type TrustOptions } from './trust.js';

export type HistoryCheckName = 'history' | 'origin' | 'signatures' | 'sizes' | 'consistency' | 'witnesses';

export interface HistoryEntryReport {
  /** 0-based, oldest first. */
  index: number;
  /** From the signed note (absent when it cannot be read). */
  treeSize?: number;
  rootB64url?: string;
  /** As given (not signed). */
  periodStart?: string;
  periodEnd?: string;
  sealedAt?: string;
  /** The note is signed by a log key of the policy, and is of the history's origin. */
  signature: Check;
  /** Consistent with the entry before (skipped for the first). */
  consistency: Check;
}

export interface HistoryReport {
  ok: boolean;
  /** The first failed check, as `name: reason`. */
  reason?: string;
  origin?: string;
  length: number;
  checks: Record<HistoryCheckName, Check>;
  entries: HistoryEntryReport[];
  /** Cosignatures that verified on the newest note. */
  cosigners: Cosigner[];
  quorum?: string;
}

export type HistoryOptions = TrustOptions;

const FIRST_PROOF = 'the first entry has no entry before it: consistency_b64url must be absent';

const REQUIRED: HistoryCheckName[] = ['history', 'origin', 'signatures', 'sizes', 'consistency'];

/**
 * Checks a checkpoint history (`GET /checkpoints`, PROTOCOL.md §6.3): every note of one origin
 * and signed by a log key you trust, sizes that never go down, each checkpoint consistent with
 * the one before, and the witness quorum on the newest. A bad history is a report, never a
 * throw; only the caller's own mistakes throw (neither `keys` nor `policy`: `ERR_KEY_INVALID`; a
 * policy key that verifies nothing: `ERR_VKEY_INVALID`).
 */
export async function verifyHistory(history: unknown, options: HistoryOptions): Promise<HistoryReport> {
  // No options at all is the caller's mistake, said as for empty ones (ERR_KEY_INVALID), not a TypeError.
  const trust = await resolveTrust(options ?? {});
  let origin: string;
  let list: unknown[];
  try {
    const h = object(history, 'history');
    if (h.v !== 2) throw new Invalid(`history.v is ${show(h.v)}, not 2`);
    if (typeof h.origin !== 'string' || h.origin === '') throw new Invalid('history.origin is missing or not a string');
    if (!Array.isArray(h.checkpoints) || h.checkpoints.length === 0) throw new Invalid('history.checkpoints is missing or empty');
    origin = h.origin;
    list = h.checkpoints;
  } catch (error) {
    const why = skipped('no readable history');
    const checks = { history: failed(reasonOf(error)), origin: why, signatures: why, sizes: why, consistency: why, witnesses: why };
    return { ok: false, reason: `history: ${checks.history.reason}`, length: 0, checks, entries: [], cosigners: [] };
  }

  // Every note at once: each verdict is independent of the others.
  const verdicts = await Promise.all(list.map((entry) => noteOf(entry).then((note) => (note === undefined ? undefined : checkNote(trust, note, origin)))));
  const entries: HistoryEntryReport[] = [];
  const bodies: (CheckpointBody | undefined)[] = [];
  const problems = { origin: [] as string[], signatures: [] as string[], sizes: [] as string[], consistency: [] as string[] };
  /** Pairs whose consistency could not be checked (a note unreadable): never counted as consistent. */
  const unchecked: string[] = [];
  for (const [index, entry] of list.entries()) {
    const verdict = verdicts[index];
    const e = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    const body = verdict?.checkpoint;
    bodies.push(body);
    const report: HistoryEntryReport = {
      index,
      ...(body ? { treeSize: body.size, rootB64url: b64uEncode(body.root) } : {}),
      ...text(e, 'period_start', 'periodStart'),
      ...text(e, 'period_end', 'periodEnd'),
      ...text(e, 'sealed_at', 'sealedAt'),
      signature: signatureOf(verdict),
      consistency: index === 0 ? skipped('the first entry: nothing before it in this file') : passed(),
    };
    // §6.3: the proof is "from the previous entry's size (absent on the first entry)": one there claims an entry the file lacks.
    if (index === 0 && e.consistency_b64url !== undefined) report.consistency = failed(FIRST_PROOF);
    if (report.signature.status !== 'passed') problems.signatures.push(`#${index}: ${report.signature.reason}`);
    if (body && body.origin !== origin) problems.origin.push(`#${index} is of "${body.origin}"`);
    if (body && e.tree_size !== body.size) problems.sizes.push(`#${index}: tree_size ${String(e.tree_size)} is not its note's size ${body.size}`);
    // Checked on every entry, not only between pairs: a history of one such checkpoint has no pair.
    if (body && body.size === 0 && !isEmptyTreeRoot(body.root)) problems.sizes.push(`#${index}: ${EMPTY_ROOT_NEEDED}`);
    const previous = bodies[index - 1];
    if (index > 0) {
      report.consistency = pairCheck(previous, body, e.consistency_b64url);
      if (report.consistency.status === 'failed') problems.consistency.push(`#${index - 1} → #${index}: ${report.consistency.reason}`);
      if (report.consistency.status === 'skipped') unchecked.push(`#${index - 1} → #${index}: ${report.consistency.reason}`);
      if (previous && body && body.size < previous.size) problems.sizes.push(`#${index}: size ${body.size} is below the previous ${previous.size}`);
    }
    entries.push(report);
  }
  const newest = verdicts.at(-1);
  const checks: Record<HistoryCheckName, Check> = {
    history: passed(),
    origin: verdict(problems.origin, 'note of another origin', 'notes of another origin'),
    signatures: verdict(problems.signatures, 'note not signed by a log key', 'notes not signed by a log key'),
    sizes: verdict(problems.sizes, 'size problem', 'size problems'),
    consistency: entries[0]!.consistency.status === 'failed'
      ? failed(`#0: ${FIRST_PROOF}`)
      : problems.consistency.length === 0 && unchecked.length > 0
      ? skipped(`${counted(unchecked.length, 'pair not checked', 'pairs not checked')} (first: ${unchecked[0]})`)
      : verdict(problems.consistency, 'pair not consistent', 'pairs not consistent'),
    witnesses: !trust.policy
      ? skipped('no policy: no witness is required (a pinned key alone means quorum none)')
      : newest ? fromNoteCheck(newest.witnesses) : failed('the newest entry has no note'),
  };
  const bad = (Object.entries(checks) as [HistoryCheckName, Check][]).find(([name, c]) => c.status === 'failed' || (REQUIRED.includes(name) && c.status !== 'passed'));
  return {
    ok: !bad,
    ...(bad ? { reason: `${bad[0]}: ${bad[1].reason}` } : {}),
    origin,
    length: list.length,
    checks,
    entries,
    cosigners: newest?.cosigners.map(({ witness, name, timestamp }) => ({ witness, name, timestamp })) ?? [],
    ...(trust.policy && newest ? { quorum: newest.quorum } : {}),
  };
}

async function noteOf(entry: unknown): Promise<string | undefined> {
  const note = (entry as { note?: unknown } | null)?.note;
  return typeof note === 'string' && note !== '' ? note : undefined;
}

function signatureOf(verdict: NoteVerdict | undefined): Check {
  if (!verdict) return failed('note is missing or not a string');
  return fromNoteCheck(verdict.logSignature);
}

/** Two consecutive entries: equal sizes need equal roots; a larger size needs the RFC 9162 proof from the smaller. */
function pairCheck(previous: CheckpointBody | undefined, current: CheckpointBody | undefined, proof: unknown): Check {
  if (!previous || !current) return skipped('a note of the pair cannot be read');
  // Size 0 is a prefix of every tree with no proof: only the empty tree's own root may claim it.
  if ([previous, current].some((c) => c.size === 0 && !isEmptyTreeRoot(c.root))) return failed(EMPTY_ROOT_NEEDED);
  if (current.size < previous.size) return failed(`the size goes down from ${previous.size} to ${current.size}`);
  let path: Uint8Array[];
  try {
    // Read whenever given: from an equal size or from the empty tree the proof is empty (RFC 9162 defines
    // none for m = n or m = 0; tlog-witness and transparency-dev's verifier refuse a non-empty one).
    path = proof === undefined && (current.size === previous.size || previous.size === 0) ? [] : readHashes(proof, 'consistency_b64url');
  } catch (error) {
    return failed(reasonOf(error));
  }
  if (current.size === previous.size) {
    if (!bytesEqual(current.root, previous.root)) return failed(`both have size ${current.size} but different roots: the log forked`);
    return path.length === 0 ? passed() : failed(`both have size ${current.size}: the consistency proof must be empty, it has ${path.length} hashes`);
  }
  // The empty tree is a prefix of every tree.
  if (previous.size === 0) return path.length === 0 ? passed() : failed(`the previous checkpoint is the empty tree: the consistency proof must be empty, it has ${path.length} hashes`);
  return verifyConsistency({ size1: previous.size, size2: current.size, root1: previous.root, root2: current.root, proof: path })
    ? passed()
    : failed(`the consistency proof from size ${previous.size} to ${current.size} does not hold: the log is not append-only`);
}

function verdict(problems: string[], one: string, many: string): Check {
  if (problems.length === 0) return passed();
  return failed(`${counted(problems.length, one, many)} (first: ${problems[0]})`);
}

function text<K extends string>(e: Record<string, unknown>, field: string, key: K): Partial<Record<K, string>> {
  const value = e[field];
  return typeof value === 'string' ? ({ [key]: value } as Record<K, string>) : {};
}
