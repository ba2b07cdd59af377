/**
 * Readers for evidence of unknown shape. Each either returns a well-typed value
 * or throws `Invalid` with a reason naming the field, so every check can read
 * what it needs and turn the first problem into `{ ok: false, reason }`.
 */
import {
  SIGNING_ALG, b64uDecode, canonicalBytes, sha256, checkpointStatementOf, parseTime, receiptStatementOf,
  tenantHeadOf, type CheckpointV1, type Receipt, type TenantHeadV1,
} from '../protocol/index.js';
import { failed, passed, skipped, type Check } from './check.js';
import { selectKey, signatureFailure, type Backend } from './ecdsa.js';
import type { VerifyKey } from './keys.js';

/** A problem with the evidence (not with the caller's arguments): becomes a check's reason. */
export class Invalid extends Error {}

/**
 * Nothing to check against, or not asked for: the check is skipped with this reason (never counted
 * as passed). Not an Error: a skip is no fault, and an Error's stack trace costs more than the check.
 */
export class Skip {
  constructor(readonly message: string) {}
}

/**
 * Runs a check; whatever it throws (an `Invalid`, a library error, a TypeError on
 * odd input) becomes its reason, and a `Skip` skips it. A body may also return
 * its own Check (a sub-verdict it was given, such as a note's).
 */
export async function runCheck(body: () => void | Check | Promise<void | Check>): Promise<Check> {
  try {
    return (await body()) ?? passed();
  } catch (error) {
    return error instanceof Skip ? skipped(error.message) : failed(reasonOf(error));
  }
}

/** `read` run on the first call only: later calls give its value again, or throw its error again. */
export function once<T>(read: () => T): () => T {
  let result: { value: T } | { error: unknown } | undefined;
  return () => {
    if (!result) {
      try {
        result = { value: read() };
      } catch (error) {
        result = { error };
      }
    }
    if ('error' in result) throw result.error;
    return result.value;
  };
}

/** A value for a reason, whatever it is (JSON.stringify throws on BigInt and hostile toJSON). */
export function show(value: unknown): string {
  if (value === undefined) return 'missing';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/**
 * `SHA-256(C(event))` as a verifier computes it: plain RFC 8785. PROTOCOL.md §1's
 * refusal of integers beyond ±(2^53−1) guards what is sent and stored; an auditor
 * digests whatever event it was given (1e+21 is one exact double, and signed as such).
 */
export function digestOf(event: Record<string, unknown>): Uint8Array {
  return sha256(canonicalBytes(event, { safeIntegersOnly: false }));
}

export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Throws the reason when `signature` over `message` is not valid by the key named `kid`. */
export async function requireSignature(
  keys: readonly VerifyKey[], kid: string, signature: string, message: Uint8Array, backend: Backend | undefined,
): Promise<void> {
  const failure = await signatureFailure({ key: keyFor(keys, kid), signature, message, backend });
  if (failure) throw new Invalid(failure);
}

/** The key that signed under `kid` (see `selectKey`), or the reason there is none. */
function keyFor(keys: readonly VerifyKey[], kid: string): VerifyKey {
  const key = selectKey(keys, kid);
  if (!key) throw new Invalid(`no key with kid "${kid}" among the ${keys.length} keys given`);
  return key;
}

export function object(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Invalid(`${name} is missing or not an object`);
  return value as Record<string, unknown>;
}

export function text(o: Record<string, unknown>, key: string, name: string): string {
  const value = o[key];
  if (typeof value !== 'string' || value === '') throw new Invalid(`${name}.${key} is missing or not a string`);
  return value;
}

export function count(o: Record<string, unknown>, key: string, name: string): number {
  const value = o[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new Invalid(`${name}.${key} is not a non-negative integer`);
  }
  return value;
}

export function hash(o: Record<string, unknown>, key: string, name: string): Uint8Array {
  return hashValue(o[key], `${name}.${key}`);
}

export function hashValue(value: unknown, label: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = b64uDecode(value as string, label);
  } catch {
    throw new Invalid(`${label} is not base64url`);
  }
  if (bytes.length !== 32) throw new Invalid(`${label} is ${bytes.length} bytes, not a 32-byte hash`);
  return bytes;
}

export function time(o: Record<string, unknown>, key: string, name: string): number {
  try {
    return parseTime(o[key], `${name}.${key}`);
  } catch {
    throw new Invalid(`${name}.${key} is not an RFC 3339 UTC time with milliseconds`);
  }
}

function version(o: Record<string, unknown>, name: string): void {
  if (o.v !== 1) throw new Invalid(`${name}.v is ${JSON.stringify(o.v)}, not 1`);
}

function signingAlg(o: Record<string, unknown>, name: string): void {
  if (o.signing_alg !== SIGNING_ALG) throw new Invalid(`${name}.signing_alg is not "${SIGNING_ALG}"`);
}

export interface ReadReceipt {
  receipt: Receipt;
  receivedAt: number;
  /** `C(statement)`: what the signature covers; its SHA-256 is the receipt hash. */
  message: Uint8Array;
}

export function readReceipt(value: unknown, name = 'receipt'): ReadReceipt {
  const r = object(value, name);
  version(r, name);
  for (const key of ['tenant_id', 'event_id', 'key_id', 'signature_b64url']) text(r, key, name);
  hash(r, 'digest_b64url', name);
  const receivedAt = time(r, 'received_at', name);
  signingAlg(r, name);
  const receipt = r as unknown as Receipt;
  return { receipt, receivedAt, message: canonicalBytes(receiptStatementOf(receipt)) };
}

export interface ReadHead {
  head: TenantHeadV1;
  root: Uint8Array;
  start: number;
  end: number;
}

export function readTenantHead(value: unknown, name = 'tenant_head'): ReadHead {
  const h = object(value, name);
  version(h, name);
  text(h, 'tenant_id', name);
  const { start, end } = period(h, name);
  if (count(h, 'tree_size', name) === 0) throw new Invalid(`${name}.tree_size is 0: a tenant head covers at least one receipt`);
  const root = hash(h, 'root_b64url', name);
  return { head: tenantHeadOf(h as unknown as TenantHeadV1), root, start, end };
}

export interface ReadCheckpoint {
  checkpoint: CheckpointV1;
  root: Uint8Array;
  prev: Uint8Array | null;
  start: number;
  end: number;
  message: Uint8Array;
}

export function readCheckpoint(value: unknown, name = 'checkpoint'): ReadCheckpoint {
  const c = object(value, name);
  version(c, name);
  for (const key of ['log_id', 'key_id', 'signature_b64url']) text(c, key, name);
  const { start, end } = period(c, name);
  count(c, 'tree_size', name);
  const root = hash(c, 'root_b64url', name);
  const prev = c.prev_b64url === null ? null : hash(c, 'prev_b64url', name);
  time(c, 'sealed_at', name);
  signingAlg(c, name);
  const checkpoint = c as unknown as CheckpointV1;
  return { checkpoint, root, prev, start, end, message: canonicalBytes(checkpointStatementOf(checkpoint)) };
}

export interface ReadProof {
  index: number;
  size: number;
  path: Uint8Array[];
}

export function readProof(value: unknown, name: string): ReadProof {
  const p = object(value, name);
  const index = count(p, 'leaf_index', name);
  const size = count(p, 'tree_size', name);
  const path = p.path_b64url;
  if (!Array.isArray(path)) throw new Invalid(`${name}.path_b64url is not an array`);
  return { index, size, path: path.map((element: unknown, i) => hashValue(element, `${name}.path_b64url[${i}]`)) };
}

export function period(o: Record<string, unknown>, name: string): { start: number; end: number } {
  const start = time(o, 'period_start', name);
  const end = time(o, 'period_end', name);
  if (!(start < end)) throw new Invalid(`${name}.period_end is not after its period_start`);
  return { start, end };
}
