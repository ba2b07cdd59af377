// The server as a client of C2SP witnesses (PROTOCOL.md §4.5): three real witnesses
// (aegislog/witness over real HTTP on 127.0.0.1), a 2-of-3 quorum, one witness down.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EvidenceBundle, Receipt } from '../../src/protocol/index.js';
import { listen, localSigner, memoryStore, type NodeServerHandle, type Signer } from '../../src/server/node.js';
import { logNoteSigners } from '../../src/server/note-signers.js';
import { parseNote } from '../../src/tlog/note.js';
import { NoteKeyType } from '../../src/tlog/vkey.js';
import { formatAddCheckpoint } from '../../src/tlog/witness-protocol.js';
import { importPublicKey, verifyEvidence } from '../../src/verify/index.js';
import { cosigner, generateNoteSigningKey } from '../../src/verify/note-signers.js';
import { createWitness, memoryWitnessStore, witnessHandler, type WitnessStore } from '../../src/witness/index.js';
import { KEYS, NOTE_KEY, ORIGIN, event, start, type Running } from './helpers.js';

interface RunningWitness {
  name: string;
  vkey: string;
  url: string;
  store: WitnessStore;
  http: NodeServerHandle | undefined;
  handler: (request: Request) => Promise<Response>;
  port: number;
  /** The status of every add-checkpoint answer, in order. */
  answers: number[];
}

let signer: Signer;
let logVkeys: string[];
const witnesses: RunningWitness[] = [];
let s: Running;

async function startWitness(i: number): Promise<RunningWitness> {
  const key = await generateNoteSigningKey(`witness${i}.test.example/w${i}`, NoteKeyType.CosignatureV1);
  const store = memoryWitnessStore();
  const inner = witnessHandler(createWitness({ cosigners: [await cosigner(key)], logs: logVkeys, store }));
  const answers: number[] = [];
  const handler = async (request: Request) => {
    const response = await inner(request);
    if (new URL(request.url).pathname === '/add-checkpoint') answers.push(response.status);
    return response;
  };
  const http = await listen(handler, { port: 0 });
  return { name: key.name, vkey: key.vkey, url: http.url, store, http, handler, port: http.port, answers };
}

const policy = (quorum: number) =>
  [...logVkeys.map((v) => `log ${v}`), ...witnesses.map((w, i) => `witness w${i + 1} ${w.vkey}`), `group q ${quorum} w1 w2 w3`, 'quorum q', ''].join('\n');

const health = async () =>
  ((await (await s.call('/healthz', { key: null })).json()) as { witnesses: { name: string; last_cosigned_size: number | null; last_error: string | null }[] }).witnesses;

const cosigners = (note: string) => parseNote(note).signatures.filter((sig) => sig.name.startsWith('witness')).map((sig) => sig.name).sort();

async function ingestAndSeal(): Promise<{ receipt: Receipt; size: number }> {
  const receipt = (await (await s.call('/ingest', { key: KEYS.ingest, json: event() })).json()) as Receipt;
  const [sealed] = await s.server.sealNow();
  return { receipt, size: sealed!.tree_size };
}

beforeAll(async () => {
  signer = await localSigner();
  logVkeys = (await logNoteSigners(ORIGIN, signer, NOTE_KEY)).vkeys;
  for (const i of [1, 2, 3]) witnesses.push(await startWitness(i));
  s = await start({
    sqlite: false,
    signer,
    store: memoryStore(),
    witnesses: witnesses.map((w) => ({ url: w.url, vkey: w.vkey })),
    witnessRetry: { baseDelay: 5, maxDelay: 20, attempts: 3 },
  });
});
afterAll(async () => {
  await s?.stop();
  for (const w of witnesses) await w.http?.close();
});

describe('witnessed checkpoints: three witnesses, quorum 2, one down', () => {
  test('sealing goes on with a witness down; bundles carry two cosignatures and pass 2-of-3, not 3-of-3', async () => {
    await witnesses[2]!.http!.close();
    witnesses[2]!.http = undefined;
    const { receipt, size } = await ingestAndSeal();
    await expect.poll(async () => (await health()).map((w) => w.last_cosigned_size), { timeout: 20_000 }).toEqual([size, size, null]);
    await expect.poll(async () => (await health())[2]!.last_error, { timeout: 20_000 }).toMatch(/fetch failed|ECONNREFUSED/);
    const bundle = (await (await s.call(`/evidence/${receipt.event_id}`)).json()) as EvidenceBundle;
    expect(cosigners(bundle.checkpoint!)).toEqual([witnesses[0]!.name, witnesses[1]!.name]);
    const keys = await importPublicKey(await signer.publicJwk());
    const two = await verifyEvidence(bundle, { keys, policy: policy(2) });
    expect(two.ok, JSON.stringify(two.checks)).toBe(true);
    expect(two.checks.witnesses).toMatchObject({ status: 'passed' });
    const three = await verifyEvidence(bundle, { keys, policy: policy(3) });
    expect(three.ok).toBe(false);
    expect(three.checks.witnesses).toMatchObject({ status: 'failed' });
    // Ingest never waited for the witness that is down.
    expect((await s.call('/ingest', { key: KEYS.ingest, json: event() })).status).toBe(200);
  });

  test('the third witness comes back having cosigned a later tree elsewhere: 409, resubmission from its size, three cosignatures', async () => {
    const w3 = witnesses[2]!;
    w3.http = await listen(w3.handler, { port: w3.port });
    // Another submitter (a second server process, a mirror) brings w3 to the current size first.
    const latest = (await s.store.latestCheckpoint())!;
    const direct = await fetch(`${w3.url}/add-checkpoint`, { method: 'POST', body: formatAddCheckpoint(0, [], latest.note) });
    expect(direct.status).toBe(200);
    w3.answers.length = 0;
    const { receipt, size } = await ingestAndSeal();
    await expect.poll(async () => (await health()).map((w) => w.last_cosigned_size), { timeout: 20_000 }).toEqual([size, size, size]);
    expect((await health()).map((w) => w.last_error)).toEqual([null, null, null]);
    expect((await s.store.witnessSizes())[w3.name]).toBe(size);
    expect(w3.answers).toEqual([409, 200]); // old 0 refused with the size it cosigned, then the proof from there
    const bundle = (await (await s.call(`/evidence/${receipt.event_id}`)).json()) as EvidenceBundle;
    expect(cosigners(bundle.checkpoint!)).toEqual(witnesses.map((w) => w.name));
    const report = await verifyEvidence(bundle, { keys: await importPublicKey(await signer.publicJwk()), policy: policy(3) });
    expect(report.ok, JSON.stringify(report.checks)).toBe(true);
    // The history carries the cosignatures too.
    const history = (await (await s.call('/checkpoints')).json()) as { checkpoints: { note: string }[] };
    expect(cosigners(history.checkpoints.at(-1)!.note)).toHaveLength(3);
  });

  test('a forked checkpoint (same size, another root) is refused by the witnesses: nothing is cosigned, the refusal is kept', async () => {
    const latest = (await s.store.latestCheckpoint())!;
    const { signers } = await logNoteSigners(ORIGIN, signer, NOTE_KEY);
    const { signNote } = await import('../../src/tlog/note.js');
    const { formatCheckpoint } = await import('../../src/tlog/checkpoint.js');
    const forked = await signNote(formatCheckpoint(ORIGIN, latest.tree_size, new Uint8Array(32).fill(9)), signers);
    const w1 = witnesses[0]!;
    const answer = await fetch(`${w1.url}/add-checkpoint`, { method: 'POST', body: formatAddCheckpoint(latest.tree_size, [], forked) });
    expect(answer.status).toBe(422);
    const { hexEncode, sha256 } = await import('../../src/protocol/index.js');
    const refusals = await (await fetch(`${w1.url}/${hexEncode(sha256(new TextEncoder().encode(ORIGIN)))}/refusals`)).text();
    expect(refusals).toContain(forked.split('\n')[2]!);
  });
});
