/**
 * Evidence bundles, checked offline against what the auditor pinned: version 2
 * (PROTOCOL.md §6.1) and version 1 (PROTOCOL-v1.md §5), which stays verifiable
 * for ever. Dispatches on `v`. Every check is passed, failed with a reason, or
 * skipped with why; nothing in a bundle, however malformed, makes this throw
 * (only the caller's own mistakes do: no usable key or policy).
 */
import { skipped, type Check } from './check.js';
import type { Backend } from './ecdsa.js';
import { checkBundleV1, type CheckNameV1 } from './evidence-v1.js';
import { checkBundleV2, type CheckNameV2, type Cosigner, type TrustedCheckpoint } from './evidence-v2.js';
import type { KeyInput } from './keys.js';
import type { Policy } from '../tlog/policy.js';
import type { TileSource } from '../tlog/tile-proofs.js';
import { show } from './read.js';
import { ecdsaKeys, resolveTrust } from './trust.js';
import { b64uEncode } from '../protocol/index.js';

export type CheckName = CheckNameV1 | CheckNameV2;

export interface EvidenceReport {
  /**
   * The evidence holds. Sealed: no check failed, and digest, inclusion, period,
   * head_inclusion (v1: tenant_inclusion) and checkpoint_signature passed.
   * Pending: digest and receipt_signature passed (that is all a pending bundle proves).
   */
  ok: boolean;
  /** The bundle's `v`: 1 or 2 (undefined when it is neither). */
  version: 1 | 2 | undefined;
  /** The bundle's own status; `invalid` when it has none of the two (or is not a bundle at all). */
  status: 'sealed' | 'pending' | 'invalid';
  /** Each check by name, in the order of the protocol. `bundle` appears only when the envelope (`v`, `status`) is wrong. */
  checks: Partial<Record<CheckName | 'bundle', Check>>;
  /** v2: the checkpoint the bundle is proven in, as its note says (read, whether or not its signature verified). */
  checkpoint?: { origin: string; size: number; rootB64url: string };
  /** v2: cosignatures that verified on the checkpoint (witnesses of the policy only). */
  cosigners?: Cosigner[];
  /** v2 with a policy: its witness quorum in words (`none` when it asks for none). */
  quorum?: string;
}

export interface EvidenceOptions {
  /**
   * Pinned ECDSA P-256 keys (what `importPublicKey` returns, one or an array): receipts
   * and v1 checkpoints are checked under the key their `key_id` names; with no
   * policy, v2 checkpoints under these as the log's ECDSA note key (quorum none).
   */
  keys?: KeyInput;
  /** A C2SP tlog-policy (text or `parsePolicy`'s): log keys, witnesses, quorum (v2). */
  policy?: Policy | string;
  /** v1: earlier checkpoints, oldest first: adds the `chain` check. */
  checkpoints?: readonly unknown[];
  /**
   * v2: an earlier checkpoint you trust (its note, or `{ size, root }`): adds the `consistency` check, which a
   * sealed bundle then needs (from its own `consistency` proof or `rootTiles`) to be `ok`.
   */
  trusted?: TrustedCheckpoint;
  /** v2: the root log's tiles, where a consistency proof the bundle lacks is read. */
  rootTiles?: TileSource;
  /** "Now" for cosignature timestamps: epoch ms or a Date. */
  now?: number | Date;
  backend?: Backend;
}

const REQUIRED = {
  1: { sealed: ['digest', 'inclusion', 'tenant_inclusion', 'checkpoint_signature', 'period'], pending: ['digest', 'receipt_signature'] },
  2: { sealed: ['digest', 'inclusion', 'period', 'head_inclusion', 'checkpoint_signature'], pending: ['digest', 'receipt_signature'] },
} as const;

/**
 * What the caller asked to check that this bundle's version has no check for: shown as skipped,
 * so that the auditor who gave it sees it was not used (never silently dropped).
 */
const WRONG_VERSION = {
  trusted: 'a trusted checkpoint (trusted, --trusted) applies to version-2 bundles; this one is version 1: give its earlier checkpoints (checkpoints, --checkpoints) for the chain check',
  checkpoints: 'earlier version-1 checkpoints (checkpoints, --checkpoints) apply to version-1 bundles; this one is version 2: give a trusted checkpoint note (trusted, --trusted) for the consistency check',
} as const;

/**
 * Checks an evidence bundle (`GET /evidence/{event_id}`) offline against the keys or the
 * tlog-policy you trust: version 2 (PROTOCOL.md §6.1) or version 1 (PROTOCOL-v1.md §5), by its
 * `v`. Each check of the report is `{ status, ok, reason? }`, `'skipped'` never counting as
 * passed; `ok` says whether the bundle is proven (a pending one: its receipt only). Never throws
 * because of the bundle; throws `AegisLogError` for the caller's own mistakes (neither `keys`
 * nor `policy`: `ERR_KEY_INVALID`; a policy key that verifies nothing: `ERR_VKEY_INVALID`).
 * docs/verify.md lists the checks.
 */
export async function verifyEvidence(bundle: unknown, options: EvidenceOptions): Promise<EvidenceReport> {
  // No options (a JavaScript caller's `verifyEvidence(bundle)`) trust nothing: ERR_KEY_INVALID, not a TypeError.
  const trust = await resolveTrust(options ?? {});
  const b = (typeof bundle === 'object' && bundle !== null && !Array.isArray(bundle) ? bundle : {}) as Record<string, unknown>;
  const version = read(() => b.v) === 1 ? 1 : read(() => b.v) === 2 ? 2 : undefined;
  const status = statusOf(b);
  const checks: EvidenceReport['checks'] = {};
  const envelope = envelopeCheck(bundle, version, status);
  if (envelope) checks.bundle = envelope;
  const report: EvidenceReport = { ok: false, version, status, checks };
  if (version === 1) {
    const keys = await ecdsaKeys(trust);
    if (keys.length === 0) {
      checks.receipt_signature = skipped('no ECDSA key is pinned: a version-1 bundle is signed by the receipt key only');
    } else {
      for (const [name, check] of await checkBundleV1(b, status, keys, { checkpoints: options.checkpoints, backend: trust.backend })) checks[name] = check;
    }
    if (options.trusted !== undefined) checks.consistency = skipped(WRONG_VERSION.trusted);
  } else {
    const result = await checkBundleV2(b, status, trust, { trusted: options.trusted, rootTiles: options.rootTiles });
    for (const [name, check] of result.checks) checks[name] = check;
    if (version === 2 && options.checkpoints !== undefined) checks.chain = skipped(WRONG_VERSION.checkpoints);
    if (result.checkpoint) report.checkpoint = { origin: result.checkpoint.origin, size: result.checkpoint.size, rootB64url: b64uEncode(result.checkpoint.root) };
    if (status === 'sealed') report.cosigners = result.cosigners;
    if (result.quorum !== undefined && trust.policy) report.quorum = result.quorum;
  }
  const values = Object.values(checks);
  const required: readonly string[] = status === 'invalid' || version === undefined ? [] : REQUIRED[version][status];
  // A trusted checkpoint asks for the fork check: a sealed v2 bundle that cannot show it extends that
  // checkpoint (no proof in the bundle, no tiles to read one from) is not proven, though no check failed.
  const asked = version === 2 && status === 'sealed' && options.trusted !== undefined ? ['consistency'] : [];
  report.ok = !envelope && values.every((c) => c.status !== 'failed') && [...required, ...asked].every((name) => checks[name as CheckName]?.status === 'passed');
  return report;
}

function envelopeCheck(bundle: unknown, version: 1 | 2 | undefined, status: EvidenceReport['status']): Check | undefined {
  if (typeof bundle !== 'object' || bundle === null || Array.isArray(bundle)) return { status: 'failed', ok: false, reason: 'the bundle is not a JSON object' };
  if (version === undefined) {
    const v = read(() => (bundle as Record<string, unknown>).v);
    return { status: 'failed', ok: false, reason: `bundle.v is ${show(v)}: neither 1 nor 2` };
  }
  if (status === 'invalid') return { status: 'failed', ok: false, reason: 'bundle.status is neither "sealed" nor "pending"' };
  return undefined;
}

function statusOf(b: Record<string, unknown>): EvidenceReport['status'] {
  const status = read(() => b.status);
  return status === 'sealed' || status === 'pending' ? status : 'invalid';
}

/** A property read that a hostile getter cannot turn into a throw. */
function read(get: () => unknown): unknown {
  try {
    return get();
  } catch {
    return undefined;
  }
}
