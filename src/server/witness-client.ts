/**
 * The log as a client of its witnesses (PROTOCOL.md §4.5, C2SP tlog-witness):
 * after each seal the latest checkpoint goes to every configured witness with
 * `old` = the size that witness last cosigned and the consistency proof from
 * there; a 409 names the witness's size, and the submission is made again from
 * it. Cosignature lines that verify under the witness's vkey are added to the
 * stored note, so every later bundle, export and history carries them.
 *
 * A witness that is down never blocks sealing or ingest: each witness has its
 * own loop, which keeps retrying with exponential backoff (§4.5) until the
 * witness cosigns, and starts over with the next seal. `/healthz` reports each one.
 */
import { AegisLogError } from '../protocol/index.js';
import { formatNote, parseNote, parseSignatureLines, type NoteSignature } from '../tlog/note.js';
import { consistencyFromTiles, type TileSource } from '../tlog/tile-proofs.js';
import { witnessKeyProblem } from '../tlog/policy.js';
import { parseVkey, type NoteVerifierKey } from '../tlog/vkey.js';
import { TLOG_SIZE_CONTENT_TYPE, formatAddCheckpoint, parseTlogSize } from '../tlog/witness-protocol.js';
import { readBody } from '../transport/web-handler.js';
import { verifyNote } from '../verify/notes.js';
import type { Store, StoredCheckpoint } from './types.js';

export interface WitnessConfig {
  /** The witness's submission prefix: `<url>/add-checkpoint` is posted to. */
  url: string;
  /** Its cosigner vkey (type 0x04 or 0x06); its key name names the witness. */
  vkey: string;
}

export interface WitnessStatus {
  name: string;
  url: string;
  last_cosigned_size: number | null;
  last_error: string | null;
}

export interface WitnessClientOptions {
  store: Store;
  witnesses: readonly WitnessConfig[];
  /** The log's own vkeys: a cosigned note must still verify under them. */
  logVkeys: () => Promise<string[]>;
  origin: string;
  rootTiles: TileSource;
  fetch?: typeof fetch;
  /**
   * First retry delay (ms, default 1000), doubled up to `maxDelay` (default 300000), `attempts` tries per
   * checkpoint (default: no bound, as PROTOCOL.md §4.5 asks: a witness down for longer than a few tries
   * would otherwise leave the checkpoint uncosigned until the next seal, a period later).
   */
  retry?: { baseDelay?: number; maxDelay?: number; attempts?: number };
  /** Milliseconds one add-checkpoint request may take, its answer's body included (default 30000): a stalled witness then counts as one failed try. */
  timeout?: number;
  onError?: (error: unknown) => void;
}

interface WitnessState extends WitnessStatus {
  key: NoteVerifierKey;
  /** The submission loop running for this witness, if any. */
  running: Promise<void> | undefined;
  /** A newer checkpoint arrived while it ran. */
  again: boolean;
}

export type WitnessClient = ReturnType<typeof createWitnessClient>;

/** The backoff of `retry` when not given: 1 s doubled up to 5 min, with no bound on the tries (PROTOCOL.md §4.5). */
export const WITNESS_RETRY_DEFAULTS = { baseDelay: 1000, maxDelay: 300_000, attempts: Number.POSITIVE_INFINITY };

export function createWitnessClient(options: WitnessClientOptions) {
  const { store, origin, rootTiles } = options;
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  // Field by field: a spread of `{ attempts: undefined }` would make it undefined, and the loop would never try.
  const baseDelay = options.retry?.baseDelay ?? WITNESS_RETRY_DEFAULTS.baseDelay;
  const maxDelay = options.retry?.maxDelay ?? WITNESS_RETRY_DEFAULTS.maxDelay;
  const attempts = options.retry?.attempts ?? WITNESS_RETRY_DEFAULTS.attempts;
  const timeout = options.timeout ?? 30_000;
  const onError = options.onError ?? (() => {});
  const states: WitnessState[] = options.witnesses.map((w, i) => {
    let key: NoteVerifierKey;
    try {
      key = parseVkey(w.vkey);
      // A URL object parses below, and would fail at url.replace() as a raw TypeError.
      if (typeof w.url !== 'string') throw new Error('url must be a string');
      // "witness.example:8443/w1" (a witness's name) parses as a URL of scheme "witness.example:", which no fetch reaches.
      if (!/^https?:$/.test(new URL(w.url).protocol)) throw new Error(`url ${JSON.stringify(w.url)} is not an http:// or https:// URL`);
    } catch (cause) {
      throw new AegisLogError('ERR_CONFIG', `witnesses[${i}] needs a url and the witness's vkey: ${(cause as Error).message}`, { field: `witnesses[${i}]`, cause });
    }
    // A log key (0x01, 0x02) would make the witness sign at every try, each answer then refused as no cosignature.
    const problem = witnessKeyProblem(key, []);
    if (problem) throw new AegisLogError('ERR_CONFIG', `witnesses[${i}].vkey: ${problem}`, { field: `witnesses[${i}].vkey` });
    return { name: key.name, url: w.url.replace(/\/+$/, ''), key, last_cosigned_size: null, last_error: null, running: undefined, again: false };
  });
  let loaded: Promise<void> | undefined;
  /** The log's vkeys parsed, and the text they were parsed from: read again only if `logVkeys()` changes. */
  let logKeys: { text: string; keys: NoteVerifierKey[] } | undefined;
  const parsedLogKeys = async (): Promise<NoteVerifierKey[]> => {
    const vkeys = await options.logVkeys();
    const text = vkeys.join('\n');
    if (logKeys?.text !== text) logKeys = { text, keys: vkeys.map((v) => parseVkey(v)) };
    return logKeys.keys;
  };
  /** Note updates are read-modify-write of one row: one at a time, in this process. */
  let noteChain: Promise<unknown> = Promise.resolve();

  // A failed read is read again at the next try, not kept: the sizes are only loaded once they are known.
  const load = () =>
    (loaded ??= store.witnessSizes().then(
      (sizes) => {
        for (const s of states) s.last_cosigned_size = sizes[s.name] ?? null;
      },
      (error: unknown) => {
        loaded = undefined;
        throw error;
      },
    ));

  /** Sends the latest checkpoint to one witness until it cosigns, or the retry bound is reached. */
  async function run(state: WitnessState): Promise<void> {
    for (let attempt = 0; attempt < attempts; attempt++) {
      state.again = false;
      try {
        await load();
        const latest = await store.latestCheckpoint();
        if (!latest || latest.tree_size === 0) return;
        if (state.last_cosigned_size === latest.tree_size && hasCosignature(latest.note, state.key)) return;
        await submit(state, latest);
        state.last_error = null;
        if (!state.again) return;
        attempt = -1; // a newer checkpoint arrived meanwhile: send it too, with a fresh retry budget
        continue;
      } catch (error) {
        state.last_error = (error as Error).message;
        onError(error);
      }
      if (attempt + 1 < attempts) await delay(Math.min(maxDelay, baseDelay * 2 ** attempt));
    }
  }

  async function submit(state: WitnessState, latest: StoredCheckpoint): Promise<void> {
    let checkpoint = latest;
    let old = state.last_cosigned_size ?? 0;
    // At most one resubmission after a 409: a witness that answers 409 twice in a row is not following its own rule.
    for (let round = 0; round < 2; round++) {
      if (old > checkpoint.tree_size) {
        // In a fleet on one store another process may have sealed (and had cosigned) a later checkpoint since this
        // loop read the latest: that one is sent instead (or nothing, when it carries this witness's line), not a fork.
        const newer = await store.latestCheckpoint();
        if (newer && newer.tree_size >= old) {
          checkpoint = newer;
          if (old === newer.tree_size && hasCosignature(newer.note, state.key)) return;
        } else {
          throw new AegisLogError('ERR_WITNESS', `witness ${state.name} cosigned a tree of ${old}, larger than this log's ${checkpoint.tree_size}: a fork, or another log under this origin`);
        }
      }
      const proof = old === 0 || old === checkpoint.tree_size ? [] : await consistencyFromTiles(old, checkpoint.tree_size, rootTiles);
      const signal = AbortSignal.timeout(timeout);
      let text: string;
      let response: Response;
      try {
        response = await doFetch(`${state.url}/add-checkpoint`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain; charset=utf-8' },
          body: formatAddCheckpoint(old, proof, await logSigned(checkpoint.note)),
          signal,
        });
        text = await boundedText(response, state.name);
      } catch (error) {
        if (!signal.aborted) throw error;
        throw new AegisLogError('ERR_WITNESS', `witness ${state.name} did not answer within ${timeout} ms`, { cause: error });
      }
      if (response.status === 409 && (response.headers.get('content-type') ?? '').toLowerCase().startsWith(TLOG_SIZE_CONTENT_TYPE)) {
        old = parseTlogSize(text);
        state.last_cosigned_size = old;
        continue;
      }
      if (response.status !== 200) throw new AegisLogError('ERR_WITNESS', `witness ${state.name} answered ${response.status}: ${text.trim().slice(0, 200)}`);
      await keepCosignatures(state, checkpoint, text);
      state.last_cosigned_size = checkpoint.tree_size;
      await store.putWitnessSize(state.name, checkpoint.tree_size);
      return;
    }
    throw new AegisLogError('ERR_WITNESS', `witness ${state.name} answered 409 twice`);
  }

  /**
   * The note as the log signed it, without the cosignatures witnesses added: each witness gets the same
   * small body (an ML-DSA-44 cosignature is 3.3 KB in base64; a witness may bound its body at 16 KiB).
   */
  async function logSigned(note: string): Promise<string> {
    const keys = await parsedLogKeys();
    const parsed = parseNote(note);
    return formatNote(parsed.text, parsed.signatures.filter((s) => keys.some((k) => k.name === s.name && k.keyId === s.keyId)));
  }

  /** Adds the witness's lines that verify over this very note to the stored note (a newer note's are never lost). */
  async function keepCosignatures(state: WitnessState, checkpoint: StoredCheckpoint, answer: string): Promise<void> {
    const lines = parseSignatureLines(answer).filter((s) => s.name === state.key.name && s.keyId === state.key.keyId);
    if (lines.length === 0) throw new AegisLogError('ERR_WITNESS', `witness ${state.name} answered 200 without a cosignature of its key`);
    const note = parseNote(checkpoint.note);
    const cosigned = formatNote(note.text, [...note.signatures, ...lines]);
    const verdict = await verifyNote(cosigned, { logs: await parsedLogKeys(), witnesses: [state.key], quorum: 'all' }, { origin });
    if (verdict.witnesses.status !== 'passed') throw new AegisLogError('ERR_WITNESS', `witness ${state.name}'s cosignature does not verify: ${verdict.witnesses.reason}`);
    // tlog-witness: "The cosignature MUST NOT omit the timestamp, i.e. the timestamp MUST NOT be zero" (for subtree/v1,
    // zero states no more than consistency: not that this is the largest tree the witness saw).
    if (verdict.cosigners.some((c) => c.timestamp === 0)) throw new AegisLogError('ERR_WITNESS', `witness ${state.name} answered a cosignature with timestamp 0, which tlog-witness forbids`);
    const update = noteChain.then(async () => {
      const current = (await store.checkpoints(checkpoint.seq, checkpoint.seq + 1))[0];
      if (!current) return;
      const stored = parseNote(current.note);
      const known = (s: NoteSignature) => stored.signatures.some((t) => t.name === s.name && t.keyId === s.keyId);
      const added = lines.filter((s) => !known(s));
      if (added.length > 0) await store.updateNote(checkpoint.seq, formatNote(stored.text, [...stored.signatures, ...added]));
    });
    noteChain = update.catch(() => {});
    await update;
  }

  function start(state: WitnessState): void {
    state.running = run(state)
      .catch(onError) // the server's, guarded: it never throws into this loop, which nobody awaits
      .finally(() => {
        state.running = undefined;
        // A seal that came after the run last looked, and before this line, found it still running.
        if (state.again) start(state);
      });
  }

  return {
    /** Starts (or marks for another round) a submission of the latest checkpoint to every witness; never waits for them. */
    submit(): void {
      for (const state of states) {
        if (state.running) state.again = true;
        else start(state);
      }
    },
    /** Each witness as `/healthz` shows it. */
    status(): WitnessStatus[] {
      return states.map(({ name, url, last_cosigned_size, last_error }) => ({ name, url, last_cosigned_size, last_error }));
    },
    /** Resolves when no submission is running (tests, shutdown). */
    async idle(): Promise<void> {
      while (states.some((s) => s.running)) await Promise.all(states.map((s) => s.running));
    },
  };
}

/** What a witness may answer: a size, or up to a few cosignature lines; more is not read (and not held). */
const MAX_ANSWER_BYTES = 64 * 1024;

/** The answer's text, read with the server's own bounded reader (a Response has the headers and body it reads). */
async function boundedText(response: Response, name: string): Promise<string> {
  try {
    return new TextDecoder().decode(await readBody(response, MAX_ANSWER_BYTES));
  } catch (error) {
    if ((error as { status?: number }).status !== 413) throw error;
    throw new AegisLogError('ERR_WITNESS', `witness ${name} answered ${response.status} with more than ${MAX_ANSWER_BYTES} bytes`);
  }
}

function hasCosignature(note: string, key: NoteVerifierKey): boolean {
  try {
    return parseNote(note).signatures.some((s) => s.name === key.name && s.keyId === key.keyId);
  } catch {
    return false;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    (timer as { unref?: () => void }).unref?.();
  });
}
