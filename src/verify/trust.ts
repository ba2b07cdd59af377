/**
 * What an auditor trusts, pinned out of band (PROTOCOL.md §4.5, §7): ECDSA keys
 * (PEM, JWK, JWKS through importPublicKey) and/or a C2SP tlog-policy. A pinned key
 * alone means that key as the log's ECDSA note key with `quorum none`; the receipt
 * key is the ECDSA note key, so under a policy receipts verify under its ECDSA log
 * keys, whatever their `key_id` names (a KMS ARN cannot be derived from a key).
 * Mistakes here are the caller's, so they throw; nothing in evidence makes them.
 */
import { AegisLogError } from '../protocol/index.js';
import { parsePolicy, type Policy } from '../tlog/policy.js';
import { NoteKeyType, type NoteVerifierKey } from '../tlog/vkey.js';
import { passed, type Check } from './check.js';
import { signatureFailure, type Backend } from './ecdsa.js';
import { importPublicKey, usableKeys, type KeyInput, type VerifyKey } from './keys.js';
import { checkPolicyKeys, policyFromKeys, verifyNote, type NoteCheck, type NoteVerdict } from './notes.js';
import { Invalid, Skip, requireSignature } from './read.js';

export interface TrustOptions {
  /** Pinned ECDSA P-256 keys (what `importPublicKey` returns, one or an array): the receipt key, and with no policy the log's ECDSA note key. */
  keys?: KeyInput;
  /** A C2SP tlog-policy, as text or from `parsePolicy`: the log's note keys, the witnesses and their quorum. */
  policy?: Policy | string;
  backend?: Backend;
  /** "Now" for cosignature timestamps (a cosignature from the future fails): epoch ms or a Date. Default: the clock. */
  now?: number | Date;
}

export interface Trust {
  readonly keys: readonly VerifyKey[];
  readonly policy: Policy | undefined;
  readonly backend: Backend | undefined;
  readonly now: number | Date | undefined;
}

/**
 * What the caller trusts, each part checked up front: neither keys nor a policy is `ERR_KEY_INVALID`, and a
 * policy key that can verify nothing (an ECDSA point off P-256, a small-order Ed25519 key) `ERR_VKEY_INVALID`:
 * the caller's mistake, not evidence that fails its signature checks. Keys are checked once per key text
 * (notes.ts caches them).
 */
export async function resolveTrust(options: TrustOptions): Promise<Trust> {
  const keys = options.keys === undefined ? [] : usableKeys(options.keys);
  const policy = options.policy === undefined ? undefined : usablePolicy(options.policy);
  if (keys.length === 0 && !policy) {
    throw new AegisLogError('ERR_KEY_INVALID', 'give options.keys (pinned keys from importPublicKey) or options.policy (a tlog-policy)', { field: 'keys' });
  }
  if (policy) await checkPolicyKeys(policy);
  return { keys, policy, backend: options.backend, now: nowOf(options.now) };
}

/** "Now" in this API's unit, epoch ms or a Date, checked here: verifyNote would refuse it later in its own unit (POSIX seconds). */
function nowOf(now: unknown): Date | undefined {
  if (now === undefined || now === null) return undefined; // null from JS callers: the clock, as no option
  const at = now instanceof Date ? now : typeof now === 'number' ? new Date(now) : undefined;
  if (!at || !Number.isFinite(at.getTime())) throw new AegisLogError('ERR_CONFIG', 'now must be epoch milliseconds or a Date', { field: 'now' });
  return at;
}

/** Policies parsed from text, by text: a page or a loop verifying many bundles passes the same text each time. */
const parsed = new Map<string, Policy>();

function usablePolicy(policy: Policy | string): Policy {
  if (typeof policy === 'string') {
    let p = parsed.get(policy);
    if (!p) {
      p = parsePolicy(policy);
      if (parsed.size >= 16) parsed.delete(parsed.keys().next().value!);
      parsed.set(policy, p);
    }
    return p;
  }
  if (typeof policy !== 'object' || policy === null || !Array.isArray(policy.logs) || !Array.isArray(policy.witnesses) || typeof policy.quorum !== 'object' || policy.quorum === null) {
    throw new AegisLogError('ERR_CONFIG', 'options.policy must be tlog-policy text or what parsePolicy returns', { field: 'policy' });
  }
  return policy;
}

const pinnedPolicies = new WeakMap<Trust, Map<string, Policy>>();

/** The policy notes of `origin` verify under: the given one, or the pinned keys as the log's ECDSA key with quorum none. */
export function notePolicy(trust: Trust, origin: string): Policy {
  if (trust.policy) return trust.policy;
  let byOrigin = pinnedPolicies.get(trust);
  if (!byOrigin) pinnedPolicies.set(trust, (byOrigin = new Map()));
  let policy = byOrigin.get(origin);
  if (!policy) byOrigin.set(origin, (policy = policyFromKeys([...trust.keys], origin)));
  return policy;
}

/**
 * Verifies a note under the trust; `origin` is the one the evidence claims (a note of another origin fails).
 * Never throws for what the evidence carries: an origin that cannot name a key (a space, a `+`) makes no
 * policy from pinned keys, and the verdict says so, as a failed signature would.
 */
export async function checkNote(trust: Trust, note: string, origin: string): Promise<NoteVerdict> {
  let policy: Policy;
  try {
    policy = notePolicy(trust, origin);
  } catch (error) {
    const failed: NoteCheck = { status: 'failed', reason: `the origin ${JSON.stringify(origin)} cannot name the pinned key: ${(error as Error).message}` };
    return { valid: false, logSignature: failed, witnesses: failed, logSigners: [], cosigners: [], quorum: 'none' };
  }
  return verifyNote(note, policy, { origin, ...(trust.now ? { now: trust.now } : {}), ...(trust.backend ? { backend: trust.backend } : {}) });
}

export function fromNoteCheck(check: NoteCheck): Check {
  if (check.status === 'passed') return passed();
  return { status: check.status, ok: false, reason: check.reason ?? check.status };
}

/** Whether witnesses are asked for at all: only a policy names them. */
export function witnessesRequired(trust: Trust): boolean {
  return trust.policy !== undefined && trust.policy.quorum.kind !== 'none';
}

const imported = new WeakMap<NoteVerifierKey, Promise<VerifyKey>>();

/** The policy's ECDSA log keys named `origin` (any origin when undefined), as verification keys. */
async function policyEcdsaKeys(policy: Policy, origin: string | undefined): Promise<VerifyKey[]> {
  const logs = policy.logs.filter((k) => k.type === NoteKeyType.EcdsaP256 && (origin === undefined || k.name === origin));
  return Promise.all(
    logs.map((k) => {
      let key = imported.get(k);
      if (!key) imported.set(k, (key = importPublicKey(k.key) as Promise<VerifyKey>));
      return key;
    }),
  );
}

const NO_SIGNATURE = 'signature_b64url is missing or not a string';

/**
 * Throws the reason a receipt signature fails, or `Skip` when nothing pinned can
 * check it (a policy whose only log key for `origin` is Ed25519). Pinned keys are
 * chosen by `key_id`; a policy's ECDSA log keys are each tried.
 */
export async function requireReceiptSignature(trust: Trust, origin: string | undefined, keyId: unknown, signature: unknown, message: Uint8Array): Promise<void> {
  if (trust.keys.length > 0) {
    if (typeof signature !== 'string') throw new Invalid(NO_SIGNATURE); // as under a policy, not the key API's words
    await requireSignature(trust.keys, keyId as string, signature, message, trust.backend);
    return;
  }
  const keys = await policyEcdsaKeys(trust.policy!, origin);
  if (keys.length === 0) throw new Skip(`the policy has no ECDSA log key${origin === undefined ? '' : ` for ${origin}`}: the receipt key is not pinned`);
  if (typeof signature !== 'string') throw new Invalid(NO_SIGNATURE);
  let failure: string | undefined;
  for (const key of keys) {
    failure = await signatureFailure({ key, signature, message, ...(trust.backend ? { backend: trust.backend } : {}) });
    if (failure === undefined) return;
  }
  throw new Invalid(keys.length === 1 ? failure! : `signature does not verify under any of the policy's ${keys.length} ECDSA log keys`);
}

/** Every ECDSA key the trust holds (v1 evidence is signed by the receipt key only). */
export async function ecdsaKeys(trust: Trust): Promise<VerifyKey[]> {
  return trust.keys.length > 0 ? [...trust.keys] : policyEcdsaKeys(trust.policy!, undefined);
}
