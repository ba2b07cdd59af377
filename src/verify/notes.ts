/**
 * Signed notes under a tlog-policy (PROTOCOL.md §4.4–4.5): the log's signature
 * and the witnesses' quorum, each a check of its own. signed-note's rules:
 * signatures by unknown keys are ignored; a known key's signature is always
 * verified, and one that fails fails its check (and names the key).
 */
import { AegisLogError, bytesEqual } from '../protocol/index.js';
import { parseCheckpoint, type CheckpointBody } from '../tlog/checkpoint.js';
import { cosignatureV1Message, parseTimestampedSignature, subtreeV1Message } from '../tlog/cosignature.js';
import { parseNote, type Note, type NoteSignature } from '../tlog/note.js';
import { describeQuorum, logKeyProblem, quorumSatisfied, witnessKeyProblem, type Policy, type PolicyWitness, type QuorumRule } from '../tlog/policy.js';
import { NoteKeyType, hexId, isNoteKeyType, p256Spki, parseVkey, verifierKey, type NoteVerifierKey } from '../tlog/vkey.js';
import { signatureFailure, type Backend } from './ecdsa.js';
import { cacheUntilFailed } from './cache-until-failed.js';
import { ed25519PublicKey, verifyEd25519, type Ed25519PublicKey } from './ed25519.js';
import { flattenKeys, importPublicKey, type KeyInput, type VerifyKey } from './keys.js';
import { ML_DSA_44_PUBLIC_KEY_LENGTH, loadMlDsa44, type MlDsa44 } from './ml-dsa.js';

/** `skipped` never counts as passed. */
export interface NoteCheck {
  status: 'passed' | 'failed' | 'skipped';
  reason?: string;
}

/** Keys without a policy file: log keys, and optionally witnesses with a simple quorum. */
export interface NoteTrust {
  /** Log keys as vkeys (text or parsed). */
  logs: readonly (string | NoteVerifierKey)[];
  /** Witness cosigner keys (types 0x04, 0x06), named in verdicts by their key names. */
  witnesses?: readonly (string | NoteVerifierKey)[];
  /** `none` (the default without witnesses), `all` (the default with), `any`, or a count. */
  quorum?: 'none' | 'any' | 'all' | number;
}

export interface VerifyNoteOptions {
  /** The origin the note must carry (a bundle's `origin`); a note of another origin fails `logSignature`. */
  origin?: string;
  /** Read the text as a checkpoint (default true); false verifies any signed note (no origin or ML-DSA cosignatures then). */
  checkpoint?: boolean;
  /** Allow checkpoint extension lines (tlog-checkpoint; PROTOCOL.md §4.4 refuses them). Default false. */
  extensions?: boolean;
  /** "Now" for the cosignature timestamp check: POSIX seconds or a Date. Default: the clock. */
  now?: number | Date;
  /** How far in the future a cosignature timestamp may lie, in seconds. Default 300. */
  maxFutureSkew?: number;
  backend?: Backend;
  /** @noble/post-quantum's `ml_dsa44`, where it cannot be imported on demand. */
  mlDsa44?: MlDsa44;
}

export interface VerifiedSigner {
  name: string;
  keyId: number;
  type: NoteKeyType;
}

export interface VerifiedCosigner extends VerifiedSigner {
  /** The policy's name for the witness. */
  witness: string;
  /** POSIX seconds, from the cosignature. */
  timestamp: number;
}

export interface NoteVerdict {
  /** `logSignature` passed and `witnesses` did not fail. */
  valid: boolean;
  /** The note text read as a checkpoint, when it is one. */
  checkpoint?: CheckpointBody;
  logSignature: NoteCheck;
  witnesses: NoteCheck;
  /** Log keys whose signature verified. */
  logSigners: VerifiedSigner[];
  /** Witness keys whose cosignature verified, in note order. */
  cosigners: VerifiedCosigner[];
  /** The quorum in words. */
  quorum: string;
}

export const DEFAULT_MAX_FUTURE_SKEW = 300;

/**
 * Verifies `note` under a policy (parsePolicy) or plain keys. Never throws for
 * a bad note (the verdict says why); throws `AegisLogError` for bad trust
 * (`ERR_VKEY_INVALID` when a key is not a usable public key) or options.
 */
export function verifyNote(note: string, trust: Policy | NoteTrust, options: VerifyNoteOptions = {}): Promise<NoteVerdict> {
  return verify({ text: note }, trust, options); // whatever `note` is: a note that is not a string fails, as a bad one does
}

/**
 * `verifyNote` of a note already read (`parseNote`, and `parseCheckpoint` of its
 * text unless `options.checkpoint` is false): the witness reads a note before it
 * knows whose it is, and need not read it twice. Not in the public entry.
 */
export function verifyParsedNote(parsed: Note, checkpoint: CheckpointBody | undefined, trust: Policy | NoteTrust, options: VerifyNoteOptions = {}): Promise<NoteVerdict> {
  return verify({ parsed, checkpoint }, trust, options);
}

async function verify(note: { text: unknown } | { parsed: Note; checkpoint: CheckpointBody | undefined }, trust: Policy | NoteTrust, options: VerifyNoteOptions): Promise<NoteVerdict> {
  const policy = isPolicy(trust) ? trust : policyOfTrust(trust);
  const keys = await prepareAll(policy);
  const nowSeconds = toSeconds(options.now);
  const skew = options.maxFutureSkew ?? DEFAULT_MAX_FUTURE_SKEW;
  if (!Number.isFinite(skew) || skew < 0) throw new AegisLogError('ERR_CONFIG', 'maxFutureSkew must be a number of seconds ≥ 0', { field: 'maxFutureSkew' });
  const quorum = describeQuorum(policy.quorum);
  const verdict = (log: NoteCheck, witnesses: NoteCheck, rest: Partial<NoteVerdict> = {}): NoteVerdict => ({
    valid: log.status === 'passed' && witnesses.status !== 'failed',
    logSignature: log,
    witnesses,
    logSigners: [],
    cosigners: [],
    quorum,
    ...rest,
  });

  let parsed: Note;
  let checkpoint: CheckpointBody | undefined;
  if ('text' in note) {
    try {
      parsed = parseNote(note.text as string);
      if (options.checkpoint !== false) checkpoint = parseCheckpoint(parsed.text, { extensions: options.extensions === true });
    } catch (error) {
      const failed: NoteCheck = { status: 'failed', reason: (error as Error).message };
      return verdict(failed, failed);
    }
  } else {
    ({ parsed, checkpoint } = note);
  }
  const text = new TextEncoder().encode(parsed.text);
  const ctx: SigContext = { text, noteText: parsed.text, checkpoint, options };

  // The log: keys named for the origin (tlog-policy: a log's key name is its origin).
  const logKeys = checkpoint ? keys.logs.filter((k) => k.vkey.name === checkpoint.origin) : keys.logs;
  const logSigners: VerifiedSigner[] = [];
  const logFailures: string[] = [];
  // Every known signature is checked, all at once (WebCrypto works them off the main thread).
  const logChecks = parsed.signatures.flatMap((sig) => {
    const matches = logKeys.filter((k) => k.vkey.name === sig.name && k.vkey.keyId === sig.keyId);
    return matches.length === 0 ? [] : [firstPass(matches, sig, ctx).then((failure) => ({ sig, matches, failure }))];
  });
  for (const { sig, matches, failure } of await Promise.all(logChecks)) {
    if (failure === undefined) logSigners.push(signerOf(matches[0]!.vkey));
    else logFailures.push(`log key ${sig.name}+${hexId(sig.keyId)}: ${failure}`);
  }
  let logSignature: NoteCheck;
  if (checkpoint && options.origin !== undefined && checkpoint.origin !== options.origin) {
    logSignature = { status: 'failed', reason: `note origin "${checkpoint.origin}" is not the expected "${options.origin}"` };
  } else if (logFailures.length > 0) {
    logSignature = { status: 'failed', reason: logFailures.join('; ') };
  } else if (logSigners.length > 0) {
    logSignature = { status: 'passed' };
  } else if (logKeys.length === 0) {
    logSignature = { status: 'failed', reason: checkpoint ? `no log key of the policy is named for origin "${checkpoint.origin}"` : 'no log key given' };
  } else {
    logSignature = { status: 'failed', reason: 'no signature by a known log key' };
  }

  // The witnesses: every cosignature by a known witness key must verify and not lie in the future.
  const cosigners: VerifiedCosigner[] = [];
  const witnessFailures: string[] = [];
  const cosignatureChecks = parsed.signatures.flatMap((sig) =>
    keys.witnesses.filter((w) => w.vkey.name === sig.name && w.vkey.keyId === sig.keyId).map(async (w) => ({ sig, w, result: await verifyCosignature(w, sig, ctx) })),
  );
  for (const { sig, w, result } of await Promise.all(cosignatureChecks)) {
    if (typeof result === 'string') {
      witnessFailures.push(`witness ${w.witness} (${sig.name}+${hexId(sig.keyId)}): ${result}`);
    } else if (result > nowSeconds + skew) {
      witnessFailures.push(`witness ${w.witness} (${sig.name}): cosignature time ${result} is ${result - nowSeconds} s in the future (allowed skew ${skew} s)`);
    } else {
      cosigners.push({ ...signerOf(w.vkey), witness: w.witness, timestamp: result });
    }
  }
  const cosigned = new Set(cosigners.map((c) => c.witness));
  let witnesses: NoteCheck;
  if (witnessFailures.length > 0) witnesses = { status: 'failed', reason: witnessFailures.join('; ') };
  else if (policy.quorum.kind === 'none') witnesses = { status: 'skipped', reason: 'the policy requires no cosignatures (quorum none)' };
  else if (quorumSatisfied(policy, cosigned)) witnesses = { status: 'passed' };
  else witnesses = { status: 'failed', reason: `quorum ${quorum} not met; valid cosignatures from: ${[...cosigned].join(', ') || 'none'}` };

  return verdict(logSignature, witnesses, { ...(checkpoint ? { checkpoint } : {}), logSigners, cosigners });
}

/**
 * A pinned PEM/JWK key alone (PROTOCOL.md §4.5): that key as the log's ECDSA
 * note key (type 0x02) named `origin`, and `quorum none`.
 */
export function policyFromKeys(keys: KeyInput, origin: string): Policy {
  const list = flattenKeys(keys ?? []);
  if (list.length === 0) throw new AegisLogError('ERR_KEY_INVALID', 'policyFromKeys needs at least one key', { field: 'keys' });
  // As usableKeys refuses options.keys: a key that failed to load (undefined in the array) is no TypeError.
  if (list.some((k) => !(typeof k === 'object' && k !== null && typeof k.kid === 'string' && k.point instanceof Uint8Array))) {
    throw new AegisLogError('ERR_KEY_INVALID', 'keys must be keys from importPublicKey (one or an array)', { field: 'keys' });
  }
  const logs = list.map((k: VerifyKey) => verifierKey(origin, NoteKeyType.EcdsaP256, p256Spki(k.point)));
  return { logs, witnesses: [], groups: [], quorum: { kind: 'none' } };
}


// ---- trust ---------------------------------------------------------------

function isPolicy(trust: Policy | NoteTrust): trust is Policy {
  return typeof trust === 'object' && trust !== null && 'groups' in trust && typeof (trust as Policy).quorum === 'object';
}

function policyOfTrust(trust: NoteTrust): Policy {
  if (typeof trust !== 'object' || trust === null || !Array.isArray(trust.logs)) {
    throw new AegisLogError('ERR_CONFIG', 'trust must be a policy (parsePolicy) or { logs, witnesses?, quorum? }', { field: 'trust' });
  }
  const vkey = (k: unknown, field: string): NoteVerifierKey => {
    if (typeof k === 'string') return parseVkey(k);
    const key = k as NoteVerifierKey | null | undefined;
    if (typeof key === 'object' && key !== null && isNoteKeyType(key.type) && key.key instanceof Uint8Array) return key; // prepare() checks it against its text
    throw new AegisLogError('ERR_CONFIG', `trust.${field}: a key is vkey text or what parseVkey returns`, { field });
  };
  // What parsePolicy refuses, refused here too: a key listed twice would count its one signature twice.
  const listed = (keys: readonly (string | NoteVerifierKey)[], field: string, problem: typeof logKeyProblem) => {
    if (!Array.isArray(keys)) throw new AegisLogError('ERR_CONFIG', `trust.${field} must be an array of vkeys`, { field });
    const out: NoteVerifierKey[] = [];
    keys.forEach((k, i) => {
      const key = vkey(k, `${field}[${i}]`);
      const why = problem(key, out);
      if (why) throw new AegisLogError('ERR_CONFIG', `trust.${field}[${i}]: ${why}`, { field: `${field}[${i}]` });
      out.push(key);
    });
    return out;
  };
  const logs = listed(trust.logs, 'logs', logKeyProblem);
  const witnessKeys = listed(trust.witnesses ?? [], 'witnesses', witnessKeyProblem);
  const witnesses = witnessKeys.map((key) => ({ name: key.name, key }));
  const names = [...new Set(witnesses.map((w) => w.name))];
  const q = trust.quorum ?? (names.length > 0 ? 'all' : 'none');
  let quorum: QuorumRule;
  if (q === 'none') {
    quorum = { kind: 'none' };
  } else {
    const threshold = q === 'all' ? names.length : q === 'any' ? 1 : q;
    if (!Number.isInteger(threshold) || threshold < 1 || threshold > names.length) {
      throw new AegisLogError('ERR_CONFIG', `quorum ${String(q)} does not fit ${names.length} witnesses`, { field: 'quorum' });
    }
    quorum = { kind: 'group', name: 'witnesses', threshold, members: names.map((name) => ({ kind: 'witness', name })) };
  }
  return { logs, witnesses, groups: [], quorum };
}

// ---- keys ----------------------------------------------------------------

interface Prepared {
  vkey: NoteVerifierKey;
  ed25519?: Ed25519PublicKey;
  ecdsa?: VerifyKey;
}

interface PreparedWitness extends Prepared {
  witness: string;
}

const cache = new Map<string, Promise<Prepared>>();
const CACHE_LIMIT = 4096;

/**
 * Throws `ERR_VKEY_INVALID` when a key of the policy cannot verify anything (an ECDSA point off
 * the curve, a small-order Ed25519 key): for a caller that refuses such a policy up front. Internal.
 */
export async function checkPolicyKeys(policy: Policy): Promise<void> {
  await prepareAll(policy);
}

async function prepareAll(policy: Policy): Promise<{ logs: Prepared[]; witnesses: PreparedWitness[] }> {
  const logs = await Promise.all(policy.logs.map(prepare));
  // A null witness (a hand-made policy) is refused as a null log key is: no key from parseVkey.
  const witnesses = await Promise.all(policy.witnesses.map(async (w) => ({ ...(await prepare((w as PolicyWitness | null)?.key as NoteVerifierKey)), witness: w.name })));
  return { logs, witnesses };
}

/** Checks the key once (a point on its curve) and keeps what verifying needs; `ERR_VKEY_INVALID` when it is not usable. */
async function prepare(vkey: NoteVerifierKey): Promise<Prepared> {
  const text = typeof vkey === 'object' && vkey !== null ? vkey.text : undefined;
  if (typeof text !== 'string') throw new AegisLogError('ERR_VKEY_INVALID', 'a key must come from parseVkey', { field: 'vkey' });
  let entry = cache.get(text);
  if (!entry) {
    const preparing = prepareText(text);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    entry = cacheUntilFailed(cache, text, preparing);
  }
  const prepared = await entry;
  // The text decides; a hand-made key whose fields say otherwise is refused rather than half-trusted.
  const k = prepared.vkey;
  if (k.keyId !== vkey.keyId || k.type !== vkey.type || k.name !== vkey.name || !bytesEqual(k.key, vkey.key)) {
    throw new AegisLogError('ERR_VKEY_INVALID', `key ${String(vkey.name)} does not match its vkey text`, { field: 'vkey' });
  }
  return prepared;
}

async function prepareText(text: string): Promise<Prepared> {
  const vkey = parseVkey(text);
  if (vkey.type === NoteKeyType.Ed25519 || vkey.type === NoteKeyType.CosignatureV1) return { vkey, ed25519: ed25519PublicKey(vkey.key) };
  if (vkey.type === NoteKeyType.EcdsaP256) {
    try {
      return { vkey, ecdsa: (await importPublicKey(vkey.key)) as VerifyKey };
    } catch (cause) {
      throw new AegisLogError('ERR_VKEY_INVALID', `ECDSA note key ${vkey.name}: ${(cause as Error).message}`, { field: 'vkey', cause });
    }
  }
  if (vkey.key.length !== ML_DSA_44_PUBLIC_KEY_LENGTH) throw new AegisLogError('ERR_VKEY_INVALID', 'an ML-DSA-44 key is 1312 bytes', { field: 'vkey' });
  return { vkey };
}

// ---- signatures ----------------------------------------------------------

interface SigContext {
  text: Uint8Array;
  noteText: string;
  checkpoint: CheckpointBody | undefined;
  options: VerifyNoteOptions;
}

/** undefined when the signature verifies under one of the keys (same name and ID), else why not. */
async function firstPass(keys: readonly Prepared[], sig: NoteSignature, ctx: SigContext): Promise<string | undefined> {
  let failure: string | undefined = 'no key';
  for (const key of keys) {
    failure = await logSignatureFailure(key, sig, ctx);
    if (failure === undefined) return undefined;
  }
  return failure;
}

async function logSignatureFailure(key: Prepared, sig: NoteSignature, ctx: SigContext): Promise<string | undefined> {
  switch (key.vkey.type) {
    case NoteKeyType.Ed25519:
      return (await verifyEd25519(key.ed25519!, ctx.text, sig.signature, ctx.options.backend)) ? undefined : 'Ed25519 signature does not verify';
    case NoteKeyType.EcdsaP256: {
      const failure = await signatureFailure({ key: key.ecdsa!, signature: sig.signature, format: 'der', message: ctx.text, backend: ctx.options.backend });
      return failure === undefined ? undefined : `ECDSA ${failure.replace(/ under key ".*"$/, '')}`;
    }
    default: {
      // A log may sign with a cosignature type (tlog-checkpoint: "Logs SHOULD use ML-DSA-44 cosignatures").
      const result = await verifyCosignature(key, sig, ctx);
      return typeof result === 'string' ? result : undefined;
    }
  }
}

/** The cosignature's timestamp when it verifies, else why not. */
async function verifyCosignature(key: Prepared, sig: NoteSignature, ctx: SigContext): Promise<number | string> {
  const type = key.vkey.type;
  if (type !== NoteKeyType.CosignatureV1 && type !== NoteKeyType.MlDsa44) return `key type 0x0${type} is not a cosignature type`;
  let parts;
  try {
    parts = parseTimestampedSignature(sig.signature, type);
  } catch (error) {
    return (error as Error).message;
  }
  if (type === NoteKeyType.CosignatureV1) {
    const message = cosignatureV1Message(ctx.noteText, parts.timestamp);
    return (await verifyEd25519(key.ed25519!, message, parts.signature, ctx.options.backend)) ? parts.timestamp : 'cosignature/v1 signature does not verify';
  }
  let body = ctx.checkpoint;
  if (!body) {
    try {
      body = parseCheckpoint(ctx.noteText, { extensions: true });
    } catch {
      return 'an ML-DSA-44 cosignature signs a checkpoint, and this note is none';
    }
  }
  let mlDsa: MlDsa44;
  try {
    mlDsa = await loadMlDsa44(ctx.options.mlDsa44);
  } catch (error) {
    return (error as Error).message;
  }
  let message: Uint8Array;
  try {
    message = subtreeV1Message({ cosigner: key.vkey.name, timestamp: parts.timestamp, origin: body.origin, start: 0, end: body.size, hash: body.root });
  } catch (error) {
    return (error as Error).message;
  }
  let ok = false;
  try {
    ok = mlDsa.verify(parts.signature, message, key.vkey.key);
  } catch {
    ok = false;
  }
  return ok ? parts.timestamp : 'subtree/v1 ML-DSA-44 signature does not verify';
}

function signerOf(vkey: NoteVerifierKey): VerifiedSigner {
  return { name: vkey.name, keyId: vkey.keyId, type: vkey.type };
}

function toSeconds(now: number | Date | undefined): number {
  if (now === undefined) return Math.floor(Date.now() / 1000);
  const s = now instanceof Date ? Math.floor(now.getTime() / 1000) : now;
  if (!Number.isFinite(s)) throw new AegisLogError('ERR_CONFIG', 'now must be POSIX seconds or a Date', { field: 'now' });
  return s;
}
