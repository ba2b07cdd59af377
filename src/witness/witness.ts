/**
 * A C2SP tlog-witness: cosigns a log's checkpoint only when it is consistent
 * with the latest one the witness cosigned for that origin, and keeps the
 * refusals that may prove a fork. Runtime-neutral: the state lives in a
 * `WitnessStore`, the keys in cosigners (verify/note-signers.ts).
 */
import { AegisLogError, bytesEqual, hexEncode, sha256 } from '../protocol/index.js';
import { isEmptyTreeRoot, parseCheckpoint, type CheckpointBody } from '../tlog/checkpoint.js';
import { ED25519_SIGNATURE_LENGTH, fitsSubtreeField, ML_DSA_44_SIGNATURE_LENGTH } from '../tlog/cosignature.js';
import { verifyConsistency } from '../tlog/merkle.js';
import { formatNote, isKeyName, MAX_NOTE_LENGTH, parseNote, signatureLine, type Note, type NoteSignature } from '../tlog/note.js';
import { parsePolicy, type Policy } from '../tlog/policy.js';
import { NoteKeyType, parseVkey, type NoteVerifierKey } from '../tlog/vkey.js';
import { formatAddCheckpoint, parseAddCheckpoint, type AddCheckpointRequest } from '../tlog/witness-protocol.js';
import type { Backend } from '../verify/ecdsa.js';
import type { MlDsa44 } from '../verify/ml-dsa.js';
import { nameTooLong, type KeyedNoteSigner } from '../verify/note-signers.js';
import { verifyParsedNote } from '../verify/notes.js';
import type { CosignedCheckpoint, Decision, Refusal, RefusalKind, WitnessStore } from './store.js';

export interface WitnessOptions {
  /** The witness's keys: one Ed25519 cosigner (type 0x04) at least, optionally an ML-DSA-44 one (0x06), from `cosigner()`. */
  cosigners: readonly KeyedNoteSigner[];
  /** The logs it witnesses, identified by their key names (= origins): a tlog-policy (text or parsed; its log lines count) or vkeys. */
  logs: Policy | string | readonly (string | NoteVerifierKey)[];
  store: WitnessStore;
  /**
   * POSIX seconds for refusals, and to tell whether the checkpoint cosigned last, sent again, is answered with the
   * cosignatures kept. Cosigners stamp their own time, never below the latest stamped for the log. Default: the clock.
   */
  now?: () => number;
  backend?: Backend;
  /** @noble/post-quantum's `ml_dsa44`, for logs that sign with ML-DSA-44, where it cannot be imported on demand. */
  mlDsa44?: MlDsa44;
}

export type AddCheckpointResult =
  | { status: 200; body: string }
  | { status: 409; size: number }
  | { status: 400 | 403 | 404 | 422; reason: string };

export interface Witness {
  /** The vkeys of the witness's cosigners, to put in a tlog-policy. */
  readonly vkeys: readonly string[];
  /** Origins of the logs it witnesses. */
  readonly origins: readonly string[];
  /**
   * tlog-witness `add-checkpoint`: the request body in, the answer out. Throws only when the store fails, or a
   * cosigner built by hand stamps below the time already stamped for the log, or returns no timestamped_signature
   * (`ERR_CONFIG`, `field` `cosigners`).
   */
  addCheckpoint(body: string): Promise<AddCheckpointResult>;
  /** The latest cosigned checkpoint of the log whose origin's SHA-256 is `originHash` (lowercase hex), for monitors. */
  checkpoint(originHash: string): Promise<string | undefined>;
  /**
   * The kept refusals of a log (by origin hash), oldest first, a page at a time (undefined for a log it does not
   * witness). Throws `ERR_WITNESS_REQUEST`, `field` naming the parameter, for a page it cannot serve.
   */
  refusals(originHash: string, page?: RefusalPage): Promise<Refusal[] | undefined>;
}

/** A page of kept refusals, oldest first. */
export interface RefusalPage {
  /** At most this many: 1 to 1,000, default 1,000. */
  limit?: number;
  /** After the first this many (those read already): default 0. */
  after?: number;
}

/** The most refusals one call, and so one GET, builds: a log keeps up to three times that. */
export const MAX_REFUSALS_PAGE = 1000;

interface LogEntry {
  origin: string;
  policy: Policy;
}

type Judgement = { ok: true } | { ok: false; result: AddCheckpointResult; kind?: RefusalKind };

export function createWitness(options: WitnessOptions): Witness {
  // From JSON or env, by a JS caller: the wrong shape is refused naming the option, not as a TypeError (or a 500 per request).
  if (!Array.isArray(options?.cosigners) || options.cosigners.some((c) => typeof c !== 'object' || c === null)) {
    throw new AegisLogError('ERR_CONFIG', 'cosigners must be an array of cosigners (from cosigner())', { field: 'cosigners' });
  }
  const given = options.store as Partial<WitnessStore> | undefined;
  if (typeof given?.latest !== 'function' || typeof given.update !== 'function' || typeof given.refusals !== 'function') {
    throw new AegisLogError('ERR_CONFIG', 'store must be a WitnessStore (latest, update, refusals), such as memoryWitnessStore()', { field: 'store' });
  }
  const cosigners = [...options.cosigners];
  if (!cosigners.some((c) => c.type === NoteKeyType.CosignatureV1)) {
    throw new AegisLogError('ERR_CONFIG', 'a witness needs an Ed25519 cosigner (type 0x04)', { field: 'cosigners' });
  }
  const bad = cosigners.find((c) => c.type !== NoteKeyType.CosignatureV1 && c.type !== NoteKeyType.MlDsa44);
  if (bad) throw new AegisLogError('ERR_CONFIG', `cosigner ${bad.name} is of type 0x0${bad.type}, not a cosignature type`, { field: 'cosigners' });
  // cosigner() checks its key's name; one built by hand may not be, and a line under such a name could not be read (signed-note).
  const badName = cosigners.find((c) => !isKeyName(c.name));
  if (badName) throw new AegisLogError('ERR_CONFIG', `cosigner name ${JSON.stringify(badName.name)} must be non-empty with no spaces or "+"`, { field: 'cosigners' });
  // Else every request fails, as a bare TypeError or as a cosignature line that cannot be written: said now.
  const unusable = cosigners.find((c) => typeof c.sign !== 'function' || !(Number.isInteger(c.keyId) && c.keyId >= 0 && c.keyId <= 0xffffffff));
  if (unusable) throw new AegisLogError('ERR_CONFIG', `cosigner ${unusable.name} needs a sign function and a key ID from 0 to 2^32−1 (from cosigner())`, { field: 'cosigners' });
  // subtree/v1 (ML-DSA-44) signs the cosigner's name and the log's origin, each behind a length byte (1–255 bytes):
  // a longer one could never be cosigned, so say it now, not as a 500 per request. cosigner() refuses such a name
  // already; one built by hand (a KeyedNoteSigner of type 0x06) is checked here.
  const longName = cosigners.find((c) => c.type === NoteKeyType.MlDsa44 && !fitsSubtreeField(c.name));
  if (longName) throw nameTooLong(longName.name);
  const logs = logsByOrigin(options.logs);
  const tooLong = cosigners.some((c) => c.type === NoteKeyType.MlDsa44) && [...logs.keys()].find((o) => !fitsSubtreeField(o));
  if (tooLong) {
    throw new AegisLogError('ERR_CONFIG', `log origin "${tooLong.slice(0, 40)}…" is over 255 bytes: an ML-DSA-44 cosigner's subtree/v1 needs an origin of 1–255 bytes`, { field: 'logs' });
  }
  const byHash = new Map([...logs.values()].map((l) => [hexEncode(sha256(new TextEncoder().encode(l.origin))), l]));
  // Else the witness cosigns once, then fails every request as a bare TypeError: said now, as createServer says it.
  if (options.now != null && typeof options.now !== 'function') throw new AegisLogError('ERR_CONFIG', 'now must be a function giving POSIX seconds', { field: 'now' });
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const store = options.store;

  async function addCheckpoint(body: string): Promise<AddCheckpointResult> {
    let request: AddCheckpointRequest;
    let note: Note;
    let checkpoint: CheckpointBody;
    try {
      request = parseAddCheckpoint(body);
      note = parseNote(request.note);
      // Other logs may write extension lines (tlog-checkpoint); the cosignature signs them with the rest.
      checkpoint = parseCheckpoint(note.text, { extensions: true });
    } catch (error) {
      return { status: 400, reason: (error as Error).message };
    }
    const log = logs.get(checkpoint.origin);
    if (!log) return { status: 404, reason: `unknown log origin "${checkpoint.origin}"` };
    const verdict = await verifyLogLines(note, checkpoint, log.policy);
    if (!verdict.ok) return { status: 403, reason: verdict.reason };
    // Only the log signatures that verified, each once: what is stored and kept carries nothing a third party added.
    const logSignatures = verdict.signatures;
    const evidence = evidenceText(note.text, logSignatures, log.policy);
    // Judged up to twice (before signing, then atomically): the second time against the same state is the first's answer.
    let memo: { latest: CosignedCheckpoint | undefined; result: Judgement } | undefined;
    const judge = (latest: CosignedCheckpoint | undefined): Judgement => {
      if (!memo || !sameState(memo.latest, latest)) memo = { latest, result: judgement(request, checkpoint, latest) };
      return memo.result;
    };

    // The kept checkpoint's note is read for the time last stamped and for its cosignature lines, before signing
    // and again in the atomic step: one parse serves them all (with ML-DSA-44 lines a note is tens of KiB).
    const readKept = keptNoteReader();

    // Checked once without signing first: most refusals (a 409 while a log learns the size) cost no signature.
    const current = await store.latest(checkpoint.origin);
    // The checkpoint it cosigned this very second, sent again (anybody can: it is public): the cosignatures it
    // keeps are what signing again would say (same text, same time), and cost nothing; nothing changes.
    // So while the clock is behind that second too: signing again would stamp it (below), not an earlier one.
    const kept = current && request.oldSize === current.size && request.proof.length === 0 && now() <= current.time ? keptCosignatures(readKept(current), note.text) : undefined;
    if (kept) return { status: 200, body: kept };
    if (!judge(current).ok) {
      const refused = await store.update(checkpoint.origin, (latest) => {
        const j = judge(latest);
        return j.ok ? { result: undefined } : refuse(j, latest); // it became acceptable meanwhile: sign below
      });
      if (refused) return refused;
    }

    // The note it keeps and serves (GET checkpoint) must be one a verifier reads, the witness too (its kept answer,
    // its time floor): a checkpoint just under the bound could pass it with the cosignature lines.
    const keptLength = note.text.length + 1 + sumOf(logSignatures, (s) => lineLength(s.name, 4 + s.signature.length)) + sumOf(cosigners, (c) => lineLength(c.name, 4 + 8 + cosignatureLength(c.type)));
    if (keptLength > MAX_NOTE_LENGTH) {
      return { status: 400, reason: `the checkpoint with the log's signatures and this witness's cosignatures would be ${keptLength} characters, over the ${MAX_NOTE_LENGTH} a note may have` };
    }

    const text = new TextEncoder().encode(note.text);
    let seen = current;
    for (let attempt = 1; ; attempt++) {
      // A cosignature says "as of this time, this is the largest tree" (tlog-cosignature): a later, larger tree
      // stamped earlier than one already cosigned would contradict it. So never below the latest time stamped.
      const floor = seen ? issuedUpTo(seen, readKept(seen)) : 0;
      const cosignatures: NoteSignature[] = await Promise.all(
        cosigners.map(async (c) => ({ name: c.name, keyId: c.keyId, signature: await c.sign(text, { notBefore: floor }) })),
      );
      // A cosigner built by hand may return anything: only a timestamped_signature with a non-zero time is a
      // cosignature (tlog-cosignature, tlog-witness), and its time becomes the log's floor once kept.
      const malformed = cosigners.find((c, i) => cosignatures[i]!.signature.length !== 8 + cosignatureLength(c.type) || timestampOf(cosignatures[i]!) === 0);
      if (malformed) {
        throw new AegisLogError('ERR_CONFIG', `cosigner ${malformed.name} returned no timestamped_signature (a non-zero u64 time, then ${cosignatureLength(malformed.type)} bytes of signature)`, { field: 'cosigners' });
      }
      const below = cosignatures.find((c) => timestampOf(c) < floor);
      if (below) {
        throw new AegisLogError('ERR_CONFIG', `cosigner ${below.name} stamped ${timestampOf(below)}, below ${floor} it stamped already for ${checkpoint.origin}: a cosigner built by hand must honour sign()'s notBefore`, { field: 'cosigners' });
      }
      const record: CosignedCheckpoint = {
        origin: checkpoint.origin,
        size: checkpoint.size,
        root: checkpoint.root,
        note: formatNote(note.text, [...logSignatures, ...cosignatures]),
        time: Math.min(...cosignatures.map(timestampOf)),
      };
      // The check again, and the write, as one step (tlog-witness.md's race): a request that lost the race gets its 409.
      const outcome = await store.update(checkpoint.origin, (latest): Decision<AddCheckpointResult | { stale: CosignedCheckpoint }> => {
        const again = judge(latest);
        if (!again.ok) return refuse(again, latest);
        if (latest && record.time < issuedUpTo(latest, readKept(latest))) {
          // The same tree cosigned meanwhile, stamped later (by another process, or before the clock stepped back):
          // its cosignatures, when of this very text; else sign again above that time.
          const theirs = keptCosignatures(readKept(latest), note.text);
          return { result: theirs ? { status: 200, body: theirs } : { stale: latest } };
        }
        return { write: record, result: { status: 200, body: cosignatures.map(signatureLine).join('') } };
      });
      if (!('stale' in outcome)) return outcome;
      // Each try lost to a write of the same tree with other extension lines: retried by the client, as a busy store.
      if (attempt === 3) throw new AegisLogError('ERR_STORE_UNAVAILABLE', `the latest checkpoint of ${checkpoint.origin} changed while it was cosigned, ${attempt} times`);
      seen = outcome.stale;
    }

    function refuse(j: Judgement & { ok: false }, latest: CosignedCheckpoint | undefined) {
      const refusal: Refusal | undefined =
        j.kind && latest
          ? {
              // Rebuilt, not the body: unknown-key lines would let anybody pad each kept refusal to the body limit.
              origin: checkpoint.origin, kind: j.kind, status: j.result.status, time: now(),
              request: formatAddCheckpoint(request.oldSize, request.proof, formatNote(evidence, logSignatures)),
              reason: 'reason' in j.result ? j.result.reason : `checkpoint size ${checkpoint.size} is below the cosigned ${latest.size}`,
              cosigned: { size: latest.size, root: latest.root, note: latest.note },
            }
          : undefined;
      return { ...(refusal ? { refusal } : {}), result: j.result };
    }
  }

  /**
   * The latest time the witness stamped for the log: the latest of its cosignatures kept with `record` (each
   * cosigner stamps its own second; `record.time` is the earliest of them). `kept` is `record.note` parsed,
   * undefined when it does not parse (then `record.time`).
   */
  function issuedUpTo(record: CosignedCheckpoint, kept: Note | undefined): number {
    if (!kept) return record.time;
    const ours = kept.signatures.filter((s) => s.signature.length >= 8 && cosigners.some((c) => c.name === s.name && c.keyId === s.keyId));
    return Math.max(record.time, ...ours.map(timestampOf));
  }

  /** The witness's cosignature lines in `kept` (a kept checkpoint's note), one per cosigner, when it is a cosigning of `text`. */
  function keptCosignatures(kept: Note | undefined, text: string): string | undefined {
    if (!kept || kept.text !== text) return undefined;
    const lines = cosigners.map((c) => kept.signatures.find((s) => s.name === c.name && s.keyId === c.keyId));
    return lines.every((l) => l !== undefined) ? lines.map((l) => signatureLine(l!)).join('') : undefined;
  }

  /**
   * signed-note's check of the log's lines (every line of a known key verifies, one at least), at a cost a
   * client cannot multiply by repeating lines: a line sent twice is verified once, the first line of each key
   * all at once, and any further line of a key one at a time, up to the first that fails (then 403).
   * On success, the first line of each key, in note order.
   */
  async function verifyLogLines(note: Note, checkpoint: CheckpointBody, policy: Policy): Promise<{ ok: true; signatures: NoteSignature[] } | { ok: false; reason: string }> {
    const known = (s: NoteSignature) => policy.logs.some((k) => k.name === s.name && k.keyId === s.keyId);
    const sameKey = (a: NoteSignature, b: NoteSignature) => a.name === b.name && a.keyId === b.keyId;
    const lines = note.signatures.filter((s, i, all) => known(s) && all.findIndex((o) => sameKey(o, s) && bytesEqual(o.signature, s.signature)) === i);
    const firsts = lines.filter((s, i) => lines.findIndex((o) => sameKey(o, s)) === i);
    const verify = async (signatures: NoteSignature[]) => {
      const verdict = await verifyParsedNote({ text: note.text, signatures }, checkpoint, policy, { extensions: true, backend: options.backend, mlDsa44: options.mlDsa44 });
      return verdict.logSignature.status === 'passed' ? undefined : (verdict.logSignature.reason ?? 'no valid log signature');
    };
    const failure = await verify(firsts); // none: "no signature by a known log key"
    if (failure !== undefined) return { ok: false, reason: failure };
    for (const line of lines) {
      if (firsts.includes(line)) continue;
      const again = await verify([line]);
      if (again !== undefined) return { ok: false, reason: again };
    }
    return { ok: true, signatures: firsts };
  }

  return {
    vkeys: cosigners.map((c) => c.vkey),
    origins: [...logs.keys()],
    addCheckpoint,
    async checkpoint(originHash) {
      const log = byHash.get(originHash);
      return log ? (await store.latest(log.origin))?.note : undefined;
    },
    async refusals(originHash, page = {}) {
      const { limit = MAX_REFUSALS_PAGE, after = 0 } = page;
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_REFUSALS_PAGE) {
        throw new AegisLogError('ERR_WITNESS_REQUEST', `limit must be an integer from 1 to ${MAX_REFUSALS_PAGE}`, { field: 'limit' });
      }
      if (!Number.isSafeInteger(after) || after < 0) throw new AegisLogError('ERR_WITNESS_REQUEST', 'after must be a non-negative integer', { field: 'after' });
      const log = byHash.get(originHash);
      return log ? store.refusals(log.origin, limit, after) : undefined;
    },
  };
}

/** tlog-witness's checks against the latest cosigned checkpoint, in its order; pure, so a store can run it inside its transaction. */
function judgement(request: AddCheckpointRequest, checkpoint: CheckpointBody, latest: CosignedCheckpoint | undefined): Judgement {
  const size = latest?.size ?? 0;
  // A validly signed tree smaller than one cosigned is a rollback, or an old checkpoint replayed: kept either way.
  const smaller = checkpoint.size < size ? ({ kind: 'smaller-tree' } as const) : {};
  if (request.oldSize > checkpoint.size) {
    return { ok: false, result: { status: 400, reason: `old size ${request.oldSize} is above the checkpoint size ${checkpoint.size}` }, ...smaller };
  }
  if (request.oldSize !== size) {
    return { ok: false, result: { status: 409, size }, ...smaller };
  }
  const fail = (reason: string, kind?: RefusalKind): Judgement => ({ ok: false, result: { status: 422, reason }, ...(kind ? { kind } : {}) });
  if (checkpoint.size === 0 && !isEmptyTreeRoot(checkpoint.root)) return fail('a checkpoint of size 0 must have the empty tree root, SHA-256("")');
  if (request.oldSize === 0) return request.proof.length === 0 ? { ok: true } : fail('old size 0 takes no consistency proof');
  if (request.oldSize === checkpoint.size) {
    if (!bytesEqual(checkpoint.root, latest!.root)) return fail(`size ${checkpoint.size} was cosigned with another root hash`, 'same-size-other-root');
    return request.proof.length === 0 ? { ok: true } : fail('equal sizes take no consistency proof');
  }
  const consistent = verifyConsistency({ size1: request.oldSize, size2: checkpoint.size, root1: latest!.root, root2: checkpoint.root, proof: request.proof });
  return consistent ? { ok: true } : fail(`the consistency proof from ${request.oldSize} to ${checkpoint.size} does not verify against the cosigned root`, 'inconsistent');
}

/**
 * A kept checkpoint's note, parsed (undefined when it does not parse), for one request: the last note read is
 * remembered by its text, so the record read before signing and the same state read again in the store's
 * atomic step (a fresh object from a durable store) cost one parse.
 */
function keptNoteReader(): (record: CosignedCheckpoint) => Note | undefined {
  let last: { note: string; parsed: Note | undefined } | undefined;
  return (record) => {
    if (last?.note !== record.note) {
      let parsed: Note | undefined;
      try {
        parsed = parseNote(record.note);
      } catch {
        parsed = undefined;
      }
      last = { note: record.note, parsed };
    }
    return last.parsed;
  };
}

/**
 * The checkpoint text a refusal keeps: what the verified log signatures sign. subtree/v1 (ML-DSA-44, type 0x06)
 * signs the origin, size and root but not the extension lines (tlog-cosignature): when no other verified line
 * covers them, anybody may have written them, so each variant of a public old checkpoint would be kept as new
 * evidence, up to the body limit, a thousand times per kind. Without them the log's signature still verifies.
 */
function evidenceText(text: string, signatures: readonly NoteSignature[], policy: Policy): string {
  const signsWholeText = signatures.some((s) => policy.logs.some((k) => k.name === s.name && k.keyId === s.keyId && k.type !== NoteKeyType.MlDsa44));
  return signsWholeText ? text : `${text.split('\n', 3).join('\n')}\n`;
}

/** Characters of the signature line `— <name> base64(<bytes>)\n`. */
function lineLength(name: string, bytes: number): number {
  return 2 + name.length + 1 + 4 * Math.ceil(bytes / 3) + 1;
}

/** The signature after a cosignature's timestamp, in bytes (tlog-cosignature). */
function cosignatureLength(type: NoteKeyType): number {
  return type === NoteKeyType.MlDsa44 ? ML_DSA_44_SIGNATURE_LENGTH : ED25519_SIGNATURE_LENGTH;
}

function sumOf<T>(items: readonly T[], f: (item: T) => number): number {
  return items.reduce((n, item) => n + f(item), 0);
}

/** A cosignature's timestamp: the u64 big-endian before the signature (tlog-cosignature). */
function timestampOf(cosignature: NoteSignature): number {
  const s = cosignature.signature;
  return Number(new DataView(s.buffer, s.byteOffset, 8).getBigUint64(0));
}

function sameState(a: CosignedCheckpoint | undefined, b: CosignedCheckpoint | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.size === b.size && bytesEqual(a.root, b.root));
}

function logsByOrigin(input: WitnessOptions['logs']): Map<string, LogEntry> {
  let keys: NoteVerifierKey[];
  if (typeof input === 'string') {
    // Policy text, or vkeys one per line (as /.well-known/aegislog/vkeys serves them).
    const lines = input.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
    keys = lines.some((l) => /^(log|witness|group|quorum)[ \t]/.test(l)) ? parsePolicy(input).logs : lines.map(parseVkey);
  } else if (Array.isArray(input)) {
    keys = input.map((k) => (typeof k === 'string' ? parseVkey(k) : k));
  } else if (typeof input === 'object' && input !== null && Array.isArray((input as Policy).logs)) {
    keys = (input as Policy).logs;
  } else {
    throw new AegisLogError('ERR_CONFIG', 'logs must be a tlog-policy (text or parsed) or a list of vkeys', { field: 'logs' });
  }
  if (keys.length === 0) throw new AegisLogError('ERR_CONFIG', 'a witness needs at least one log key', { field: 'logs' });
  const map = new Map<string, LogEntry>();
  for (const key of keys) {
    const entry = map.get(key.name) ?? { origin: key.name, policy: { logs: [], witnesses: [], groups: [], quorum: { kind: 'none' } } };
    entry.policy.logs.push(key);
    map.set(key.name, entry);
  }
  return map;
}
