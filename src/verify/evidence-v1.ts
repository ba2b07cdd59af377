/**
 * Version-1 evidence bundles (PROTOCOL-v1.md §5), checked offline with only pinned keys.
 * Every check reads what it needs from the bundle on its own, so one broken part
 * fails its own checks with a reason and leaves the others to report truthfully;
 * nothing in a bundle, however malformed, makes `verifyEvidence` throw.
 */
import {
  b64uEncode, bytesEqual, sha256, tenantHeadHash, type CheckpointV1, type TenantHeadV1,
} from '../protocol/index.js';
import { walkChain } from './chain.js';
import type { Backend } from './ecdsa.js';
import type { Check } from './check.js';
import type { VerifyKey } from './keys.js';
import { inclusionFailure, leafHash } from '../tlog/merkle.js';
import {
  Invalid, Skip, digestOf, object, once, readCheckpoint, readProof, readReceipt, readTenantHead, requireSignature, runCheck,
  type ReadCheckpoint, type ReadHead, type ReadProof, type ReadReceipt,
} from './read.js';

export type CheckNameV1 = 'digest' | 'receipt_signature' | 'inclusion' | 'tenant_inclusion' | 'checkpoint_signature' | 'period' | 'chain';

export interface V1Options {
  /** Earlier checkpoints, oldest first: adds the `chain` check (the bundle's checkpoint is in, or extends, their verified chain). */
  checkpoints?: readonly unknown[] | undefined;
  backend?: Backend | undefined;
}

/** The checks of PROTOCOL-v1.md §5, each by name, in order; `bundle` only when the envelope is wrong. */
export async function checkBundleV1(b: Record<string, unknown>, status: string, keys: VerifyKey[], options: V1Options): Promise<[CheckNameV1 | 'bundle', Check][]> {
  const parts = partsOf(b);
  const { backend } = options;
  const named: [CheckNameV1 | 'bundle', Promise<Check>][] = [
    ['bundle', runCheck(() => checkEnvelope(b))],
    ['digest', runCheck(() => checkDigest(b))],
    ['receipt_signature', runCheck(() => checkReceiptSignature(parts, keys, backend))],
  ];
  if (status !== 'pending') {
    named.push(
      ['inclusion', runCheck(() => checkInclusion(parts))],
      ['tenant_inclusion', runCheck(() => checkTenantInclusion(parts))],
      ['checkpoint_signature', runCheck(() => checkCheckpointSignature(parts, keys, backend))],
      ['period', runCheck(() => checkPeriod(parts))],
    );
    if (options.checkpoints !== undefined) named.push(['chain', runCheck(() => checkChain(parts, options.checkpoints!, keys, backend))]);
  }
  const checks: [CheckNameV1 | 'bundle', Check][] = [];
  for (const [name, check] of named) {
    const result = await check;
    if (name !== 'bundle' || !result.ok) checks.push([name, result]);
  }
  return checks;
}

/**
 * The parts of a bundle, each read (and its statement canonicalised) once, on first use,
 * however many checks need it; a part that cannot be read fails each of them with its reason.
 */
export interface BundleParts {
  receipt(): ReadReceipt;
  head(): ReadHead;
  checkpoint(): ReadCheckpoint;
  inclusion(): ReadProof;
  tenantInclusion(): ReadProof;
}

export function partsOf(b: Record<string, unknown>): BundleParts {
  return {
    receipt: once(() => readReceipt(b.receipt)),
    head: once(() => readTenantHead(b.tenant_head)),
    checkpoint: once(() => readCheckpoint(b.checkpoint)),
    inclusion: once(() => readProof(b.inclusion, 'inclusion')),
    tenantInclusion: once(() => readProof(b.tenant_inclusion, 'tenant_inclusion')),
  };
}

function checkEnvelope(bundle: unknown): void {
  const b = object(bundle, 'bundle');
  if (b.v !== 1) throw new Invalid(`bundle.v is ${JSON.stringify(b.v)}, not 1`);
  if (b.status !== 'sealed' && b.status !== 'pending') throw new Invalid('bundle.status is neither "sealed" nor "pending"');
}

/** The event hashes to the receipt's digest, and the receipt names this event (the same in v1 and v2). */
export function checkDigest(b: Record<string, unknown>): void {
  const event = object(b.event, 'event');
  const receipt = object(b.receipt, 'receipt');
  const digest = b64uEncode(digestOf(event));
  if (receipt.digest_b64url !== digest) throw new Invalid(`SHA-256 of the event is ${digest}, the receipt says ${String(receipt.digest_b64url)}`);
  for (const field of ['tenant_id', 'event_id', 'trace_id']) {
    if (event[field] !== receipt[field]) throw new Invalid(`the receipt's ${field} differs from the event's`);
  }
}

export async function checkReceiptSignature(parts: BundleParts, keys: VerifyKey[], backend: Backend | undefined): Promise<void> {
  const { receipt, message } = parts.receipt();
  if (receipt.ok !== true) throw new Invalid('receipt.ok is not true');
  await requireSignature(keys, receipt.key_id, receipt.signature_b64url, message, backend);
}

/** receipt_hash -> tenant root, at the tenant head's size. */
function checkInclusion(parts: BundleParts): void {
  const { message } = parts.receipt();
  const { head, root } = parts.head();
  const proof = parts.inclusion();
  if (proof.size !== head.tree_size) throw new Invalid(`inclusion.tree_size ${proof.size} is not the tenant head's ${head.tree_size}`);
  proveInclusion(leafHash(sha256(message)), proof, root, 'receipt', 'tenant root');
}

/** SHA-256(C(tenant head)) -> global root, at the checkpoint's size. */
function checkTenantInclusion(parts: BundleParts): void {
  const { head } = parts.head();
  const { checkpoint, root } = parts.checkpoint();
  const proof = parts.tenantInclusion();
  if (proof.size !== checkpoint.tree_size) {
    throw new Invalid(`tenant_inclusion.tree_size ${proof.size} is not the checkpoint's ${checkpoint.tree_size}`);
  }
  proveInclusion(leafHash(tenantHeadHash(head)), proof, root, 'tenant head', 'checkpoint root');
}

export function proveInclusion(leaf: Uint8Array, proof: ReadProof, root: Uint8Array, what: string, where: string): void {
  const failure = inclusionFailure({ leafHash: leaf, index: proof.index, treeSize: proof.size, proof: proof.path, root });
  if (failure) throw new Invalid(`the ${what} is not proven in the ${where}: ${failure}`);
}

async function checkCheckpointSignature(parts: BundleParts, keys: VerifyKey[], backend: Backend | undefined): Promise<void> {
  const { checkpoint, message } = parts.checkpoint();
  await requireSignature(keys, checkpoint.key_id, checkpoint.signature_b64url, message, backend);
}

/** received_at in [period_start, period_end); the tenant head is the receipt's tenant's, for the checkpoint's period. */
function checkPeriod(parts: BundleParts): void {
  const { receipt, receivedAt } = parts.receipt();
  const { head } = parts.head();
  const { checkpoint, start, end } = parts.checkpoint();
  if (receivedAt < start || receivedAt >= end) {
    throw new Invalid(`received_at ${receipt.received_at} is outside the checkpoint's period [${checkpoint.period_start}, ${checkpoint.period_end})`);
  }
  if (head.tenant_id !== receipt.tenant_id) throw new Invalid(`the tenant head is for "${head.tenant_id}", the receipt for "${receipt.tenant_id}"`);
  requireSamePeriod(head, checkpoint);
}

function requireSamePeriod(head: TenantHeadV1, checkpoint: CheckpointV1): void {
  if (head.period_start !== checkpoint.period_start || head.period_end !== checkpoint.period_end) {
    throw new Invalid("the tenant head's period is not the checkpoint's");
  }
}

/**
 * What `auditPeriod` anchors to: the tenant head is a leaf of a checkpoint signed
 * by a pinned key, for that checkpoint's period. Throws the reason when it is not.
 */
export async function proveTenantHead(parts: BundleParts, keys: VerifyKey[], backend: Backend | undefined): Promise<void> {
  await checkCheckpointSignature(parts, keys, backend);
  checkTenantInclusion(parts);
  requireSamePeriod(parts.head().head, parts.checkpoint().checkpoint);
}

/** The earlier checkpoints form a valid chain, and the bundle's checkpoint is one of them or the next link. */
async function checkChain(parts: BundleParts, earlier: readonly unknown[], keys: VerifyKey[], backend: Backend | undefined): Promise<void> {
  if (Array.isArray(earlier) && earlier.length === 0) throw new Skip('no earlier checkpoint was given (an empty list): nothing to tie the bundle\'s checkpoint to');
  const { report, hashes } = await walkChain(earlier, keys, backend);
  if (!report.ok) throw new Invalid(`the given checkpoints break at ${report.firstBreak!.index}: ${report.firstBreak!.reason}`);
  const { prev, message, checkpoint } = parts.checkpoint();
  const own = sha256(message);
  if (hashes.some((h) => bytesEqual(h, own))) return;
  if (prev && bytesEqual(prev, hashes.at(-1)!)) {
    // The next link is held to every rule a link of the chain is: the same log_id, a period that starts no earlier.
    const link = await walkChain([earlier.at(-1), checkpoint], keys, backend);
    if (!link.report.ok) throw new Invalid(`the bundle's checkpoint names the last given checkpoint but does not follow it: ${link.report.firstBreak!.reason}`);
    return;
  }
  throw new Invalid("the bundle's checkpoint is neither in the given chain nor the next link after its last checkpoint");
}
