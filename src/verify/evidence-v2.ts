/**
 * Version-2 evidence bundles (PROTOCOL.md §6.1): the receipt is a leaf of its
 * tenant log, the tenant head a leaf of the root log, and the root log's
 * checkpoint a signed note that witnesses may cosign. Each named check reads
 * what it needs on its own, so a broken part fails its own checks with a reason
 * and the others still report truthfully; nothing in a bundle makes this throw.
 */
import { AegisLogError, bytesEqual, sha256, tenantHeadHash } from '../protocol/index.js';
import { isEmptyTreeRoot, parseCheckpoint, type CheckpointBody } from '../tlog/checkpoint.js';
import { inclusionFailure, leafHash, verifyConsistency } from '../tlog/merkle.js';
import { parseNote } from '../tlog/note.js';
import { consistencyFromTiles, type TileSource } from '../tlog/tile-proofs.js';
import { skipped, type Check } from './check.js';
import { checkDigest } from './evidence-v1.js';
import type { NoteVerdict } from './notes.js';
import { Invalid, Skip, once, readReceipt, reasonOf, runCheck, show, type ReadReceipt } from './read.js';
import { readHeadV2, readIndex, readNoteText, readOrigin, readProofV2, readHashes, type ReadHeadV2, type ReadProofV2 } from './read-v2.js';
import { checkNote, fromNoteCheck, requireReceiptSignature, type Trust } from './trust.js';

export type CheckNameV2 =
  | 'digest' | 'receipt_signature' | 'inclusion' | 'period' | 'head_inclusion' | 'checkpoint_signature' | 'witnesses' | 'consistency';

/** An earlier checkpoint the auditor already trusts: its signed note, or its size and root. */
export type TrustedCheckpoint = string | { size: number; root: Uint8Array };

export interface V2Options {
  /** An earlier trusted checkpoint: adds the `consistency` check (this checkpoint extends it). */
  trusted?: TrustedCheckpoint | undefined;
  /** Tiles of the root log, to read the consistency proof from when the bundle carries none. */
  rootTiles?: TileSource | undefined;
}

/** Cosignatures that verified on the bundle's checkpoint, for display. */
export interface Cosigner {
  witness: string;
  name: string;
  /** POSIX seconds. */
  timestamp: number;
}

export interface V2Result {
  checks: [CheckNameV2, Check][];
  checkpoint?: { origin: string; size: number; root: Uint8Array };
  cosigners: Cosigner[];
  quorum?: string;
}

const PENDING = 'pending evidence: its period is not sealed yet, so nothing proves it is in the log (fetch it again after sealing)';

/** The checks of §6.1 in order; a pending bundle has only the first two, the others skipped saying so. */
export async function checkBundleV2(b: Record<string, unknown>, status: string, trust: Trust, options: V2Options): Promise<V2Result> {
  if (options.trusted !== undefined) checkTrusted(options.trusted);
  const tiles = options.rootTiles as Partial<TileSource> | null | undefined;
  if (tiles !== undefined && tiles !== null && typeof tiles.read !== 'function') {
    throw new AegisLogError('ERR_CONFIG', 'rootTiles must be a tile source with a read(tiles) function (fetchTileSource gives one for a URL)', { field: 'rootTiles' });
  }
  const parts = partsOfV2(b, trust);
  const receiptOnly = status === 'pending';
  const sealed = (body: () => void | Check | Promise<void | Check>) => (receiptOnly ? Promise.resolve(skipped(PENDING)) : runCheck(body));
  const named: [CheckNameV2, Promise<Check>][] = [
    ['digest', runCheck(() => checkDigest(b))],
    ['receipt_signature', runCheck(() => checkReceiptSignature(parts, trust))],
    ['inclusion', sealed(() => checkInclusion(parts))],
    ['period', sealed(() => checkPeriod(parts))],
    ['head_inclusion', sealed(() => checkHeadInclusion(parts))],
    ['checkpoint_signature', sealed(async () => fromNoteCheck((await parts.verdict()).logSignature))],
    ['witnesses', sealed(() => checkWitnesses(parts, trust))],
    ['consistency', sealed(() => checkConsistency(parts, trust, options))],
  ];
  const checks: [CheckNameV2, Check][] = [];
  for (const [name, check] of named) checks.push([name, await check]);
  const result: V2Result = { checks, cosigners: [] };
  if (!receiptOnly) {
    try {
      const { origin, size, root } = parts.body();
      result.checkpoint = { origin, size, root };
      const verdict = await parts.verdict();
      result.cosigners = verdict.cosigners.map(({ witness, name, timestamp }) => ({ witness, name, timestamp }));
      result.quorum = verdict.quorum;
    } catch {
      /* the checks above say why */
    }
  }
  return result;
}

/** The parts of a bundle, each read once on first use, however many checks need it. */
interface PartsV2 {
  origin(): string;
  receipt(): ReadReceipt;
  leafIndex(): number;
  head(): ReadHeadV2;
  inclusion(): ReadProofV2;
  headIndex(): number;
  headInclusion(): ReadProofV2;
  /** The checkpoint's body, read without its signatures (what the proofs need). */
  body(): CheckpointBody;
  note(): string;
  verdict(): Promise<NoteVerdict>;
  /** The consistency proof the bundle carries, if any (read by the check). */
  consistency(): unknown;
}

function partsOfV2(b: Record<string, unknown>, trust: Trust): PartsV2 {
  const parts: PartsV2 = {
    origin: once(() => readOrigin(b.origin)),
    receipt: once(() => readReceipt(b.receipt)),
    leafIndex: once(() => readIndex(b.leaf_index, 'leaf_index')),
    head: once(() => readHeadV2(b.tenant_head)),
    inclusion: once(() => readProofV2(b.inclusion, 'inclusion')),
    headIndex: once(() => readIndex(b.head_index, 'head_index')),
    headInclusion: once(() => readProofV2(b.head_inclusion, 'head_inclusion')),
    note: once(() => readNoteText(b.checkpoint, 'checkpoint')),
    body: once(() => noteBody(parts.note())),
    verdict: once(() => checkNote(trust, parts.note(), parts.origin())),
    consistency: () => b.consistency,
  };
  return parts;
}

/** The checkpoint text of a note, read strictly (PROTOCOL.md §4.4: three lines, no extensions). */
export function noteBody(note: string): CheckpointBody {
  try {
    return parseCheckpoint(parseNote(note).text);
  } catch (error) {
    throw new Invalid(`checkpoint: ${reasonOf(error)}`);
  }
}

async function checkReceiptSignature(parts: PartsV2, trust: Trust): Promise<void> {
  const { receipt, message } = parts.receipt();
  if (receipt.ok !== true) throw new Invalid('receipt.ok is not true');
  let origin: string | undefined;
  try {
    origin = parts.origin();
  } catch {
    origin = undefined; // a policy's ECDSA keys of any origin then
  }
  await requireReceiptSignature(trust, origin, receipt.key_id, receipt.signature_b64url, message);
}

/** receipt_hash at leaf_index → tenant_head.root_b64url, at the head's tree size. */
function checkInclusion(parts: PartsV2): void {
  const { message } = parts.receipt();
  const { head, root } = parts.head();
  const proof = parts.inclusion();
  if (proof.size !== head.tree_size) throw new Invalid(`inclusion.tree_size ${proof.size} is not the tenant head's ${head.tree_size}`);
  proveInclusion(leafHash(sha256(message)), parts.leafIndex(), proof, root, 'receipt', 'tenant head root');
}

/** received_at in the head's period, the leaf among the period's entries, the head the receipt's tenant's. */
function checkPeriod(parts: PartsV2): void {
  const { receipt, receivedAt } = parts.receipt();
  const { head, start, end } = parts.head();
  const leaf = parts.leafIndex();
  if (head.tenant_id !== receipt.tenant_id) throw new Invalid(`the tenant head is for "${head.tenant_id}", the receipt for "${receipt.tenant_id}"`);
  if (receivedAt < start || receivedAt >= end) {
    throw new Invalid(`received_at ${receipt.received_at} is outside the head's period [${head.period_start}, ${head.period_end})`);
  }
  if (!(head.prev_tree_size <= leaf && leaf < head.tree_size)) {
    throw new Invalid(`leaf_index ${leaf} is not among the period's entries [${head.prev_tree_size}, ${head.tree_size})`);
  }
  if ((head.prev_tree_size === 0) !== (head.prev_head_index === null)) {
    throw new Invalid('tenant_head: prev_head_index is null exactly when prev_tree_size is 0 (the tenant\'s first head)');
  }
}

/** SHA-256(C(tenant head)) at head_index → the checkpoint's root, at the checkpoint's size. */
function checkHeadInclusion(parts: PartsV2): void {
  const { head } = parts.head();
  const index = parts.headIndex();
  const proof = parts.headInclusion();
  const body = parts.body();
  if (proof.size !== body.size) throw new Invalid(`head_inclusion.tree_size ${proof.size} is not the checkpoint's size ${body.size}`);
  if (head.prev_head_index !== null && !(head.prev_head_index < index)) {
    throw new Invalid(`the previous head's index ${head.prev_head_index} is not before head_index ${index}`);
  }
  proveInclusion(leafHash(tenantHeadHash(head)), index, proof, body.root, 'tenant head', 'checkpoint root');
}

function proveInclusion(leaf: Uint8Array, index: number, proof: ReadProofV2, root: Uint8Array, what: string, where: string): void {
  const failure = inclusionFailure({ leafHash: leaf, index, treeSize: proof.size, proof: proof.path, root });
  if (failure) throw new Invalid(`the ${what} is not proven in the ${where}: ${failure}`);
}

async function checkWitnesses(parts: PartsV2, trust: Trust): Promise<Check> {
  if (!trust.policy) throw new Skip('no policy: no witness is required (a pinned key alone means quorum none)');
  return fromNoteCheck((await parts.verdict()).witnesses);
}

/** This checkpoint extends an earlier trusted one: an RFC 9162 consistency proof from its size to this one's. */
async function checkConsistency(parts: PartsV2, trust: Trust, options: V2Options): Promise<void> {
  if (options.trusted === undefined) throw new Skip('no earlier trusted checkpoint was given');
  // tlog-tiles: no partial tile is fetched for a size that no verified checkpoint requires.
  if ((await parts.verdict()).logSignature.status !== 'passed') throw new Skip("the checkpoint's signature did not verify: its size proves nothing, and no proof is read for it");
  const earlier = await trustedCheckpoint(options.trusted, trust, parts.origin());
  await requireConsistency(earlier, parts.body(), parts.consistency(), options.rootTiles);
}

/**
 * The auditor's trusted checkpoint is its own input: in another shape (a root as base64url text, as reports show
 * it) it is the caller's mistake, thrown, not a check run with it (a text root once read as a fork of the log).
 */
function checkTrusted(trusted: unknown): void {
  if (typeof trusted === 'string') return; // a note: its signature is checked with the consistency
  const t = trusted as { size?: unknown; root?: unknown } | null;
  const ok = typeof t === 'object' && t !== null && Number.isSafeInteger(t.size) && (t.size as number) >= 0 && t.root instanceof Uint8Array && t.root.length === 32;
  if (!ok) {
    throw new AegisLogError('ERR_CONFIG', 'trusted must be a checkpoint note or { size, root } with size a tree size and root its 32 bytes (b64uDecode a rootB64url)', { field: 'trusted' });
  }
}

async function trustedCheckpoint(trusted: TrustedCheckpoint, trust: Trust, origin: string): Promise<{ size: number; root: Uint8Array }> {
  if (typeof trusted !== 'string') return trusted;
  const verdict = await checkNote(trust, trusted, origin);
  if (verdict.logSignature.status !== 'passed' || !verdict.checkpoint) {
    throw new Invalid(`the trusted checkpoint does not verify: ${verdict.logSignature.reason ?? 'not a checkpoint'}`);
  }
  return verdict.checkpoint;
}

/**
 * A consistency proof the bundle carries from `size` where none is needed (an equal size, the empty tree) must
 * be empty: RFC 9162 defines none for m = n or m = 0, and tlog-witness and transparency-dev's verifier refuse a
 * non-empty one. A proof from another size is about another pair, and is not read here (as before).
 */
function requireEmptyCarried(carried: unknown, size: number, why: string): void {
  if (carried === undefined || typeof carried !== 'object' || carried === null) return;
  const c = carried as { from_size?: unknown; path_b64url?: unknown };
  if (c.from_size !== size) return;
  const path = readHashes(c.path_b64url, 'consistency.path_b64url');
  if (path.length > 0) throw new Invalid(`${why}: the consistency proof must be empty, it has ${path.length} hashes`);
}

export const EMPTY_ROOT_NEEDED = 'a checkpoint of size 0 must carry the empty tree root, SHA-256 of nothing';

/**
 * Throws why `later` is not an extension of `earlier`: equal sizes need equal
 * roots; a smaller earlier size needs a proof, from the bundle or read from tiles.
 */
export async function requireConsistency(
  earlier: { size: number; root: Uint8Array },
  later: { size: number; root: Uint8Array },
  carried: unknown,
  tiles: TileSource | undefined,
): Promise<void> {
  // The empty tree is a prefix of every tree, but only its own root may stand for it (tlog-checkpoint: the
  // root at that size): a size-0 checkpoint with another root would otherwise pass with no proof.
  if ([earlier, later].some((c) => c.size === 0 && !isEmptyTreeRoot(c.root))) throw new Invalid(EMPTY_ROOT_NEEDED);
  if (earlier.size === later.size) {
    if (!bytesEqual(earlier.root, later.root)) throw new Invalid(`the trusted checkpoint and this one both have size ${later.size} but different roots: the log forked`);
    requireEmptyCarried(carried, earlier.size, `both have size ${later.size}`);
    return;
  }
  const [from, to] = earlier.size < later.size ? [earlier, later] : [later, earlier];
  if (from.size === 0) {
    if (earlier.size === 0) requireEmptyCarried(carried, 0, 'the trusted checkpoint is the empty tree');
    return;
  }
  let path: Uint8Array[];
  // A proof the bundle carries from another size is about another pair (the bundle was fetched for another
  // trusted checkpoint): it proves nothing against this one and is not read, as requireEmptyCarried has it.
  const otherSize = typeof carried === 'object' && carried !== null ? (carried as { from_size?: unknown }).from_size : undefined;
  const other = otherSize !== undefined && otherSize !== from.size;
  if (carried !== undefined && earlier.size < later.size && !other) {
    const c = carried as { from_size?: unknown; path_b64url?: unknown };
    if (typeof c !== 'object' || c === null) throw new Invalid('consistency is not an object');
    if (c.from_size !== from.size) throw new Invalid(`consistency.from_size ${String(c.from_size)} is not the trusted checkpoint's size ${from.size}`);
    path = readHashes(c.path_b64url, 'consistency.path_b64url');
  } else if (tiles) {
    try {
      path = await consistencyFromTiles(from.size, to.size, tiles);
    } catch (error) {
      throw new Invalid(`cannot read the consistency proof from the tiles: ${reasonOf(error)}`);
    }
  } else if (earlier.size > later.size) {
    throw new Skip(`the trusted checkpoint (size ${earlier.size}) is newer than this one (${later.size}): give the root log's tiles (rootTiles, --tiles URL) to prove this one is its prefix`);
  } else {
    const carries = other ? `the bundle carries a consistency proof from size ${show(otherSize)}, not from the trusted checkpoint's ${from.size}` : 'the bundle carries no consistency proof';
    throw new Skip(
      `${carries}, and no root log tiles were given to read one from: fetch the bundle with from_size=${from.size} (GET /evidence/{event_id}?tenant_id=…&from_size=${from.size}), or give the root log's tiles (rootTiles, --tiles URL)`,
    );
  }
  if (!verifyConsistency({ size1: from.size, size2: to.size, root1: from.root, root2: to.root, proof: path })) {
    throw new Invalid(`the consistency proof from size ${from.size} to ${to.size} does not hold: the log is not append-only`);
  }
}
