// An event nested 200,000 levels deep (JSON.parse reads it: V8's parser keeps no stack) made the
// recursive canonicalizer overflow the stack: every check that hashes it failed with the engine's
// raw "Maximum call stack size exceeded", and a runtime with a smaller stack failed at a smaller
// depth than another. canonicalize refuses nesting deeper than JCS_MAX_DEPTH as ERR_TOO_DEEP,
// naming the field, the same everywhere; the checks say so.
import { beforeAll, describe, expect, it } from 'vitest';
import { AegisLogError, b64uEncode, canonicalize, receiptHash, tenantHeadHash, type EvidenceBundleV1, type Receipt } from '../../src/protocol/index.js';
import { JCS_MAX_DEPTH } from '../../src/protocol/jcs.js';
import { formatCheckpoint } from '../../src/tlog/checkpoint.js';
import { inclusionProof, merkleRoot } from '../../src/tlog/merkle.js';
import { signNote } from '../../src/tlog/note.js';
import { NoteKeyType } from '../../src/tlog/vkey.js';
import { ed25519NoteSigner, generateNoteSigningKey } from '../../src/verify/note-signers.js';
import { auditExport, auditPeriod, gapCounter, importPublicKey, verifyEvidence, type VerifyKey } from '../../src/verify/index.js';
import { makeSigner, sealPeriod } from './helpers/seal.js';

const DEPTH = 200_000;
/** `{"a":{"a":…1…}}` nested `depth` objects deep, as JSON text. */
const deepText = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const deep = JSON.parse(deepText(DEPTH)) as unknown;
/** The path canonicalize names: the first object nested deeper than the limit, under `field`. */
const tooDeepAt = (field: string) => `${field}${'.a'.repeat(JCS_MAX_DEPTH - 1)}`;
const TOO_DEEP = `nests deeper than ${JCS_MAX_DEPTH} levels`;

describe('canonicalize and a value nested 200,000 levels deep', () => {
  it('throws ERR_TOO_DEEP naming the field, not a RangeError', () => {
    let error: unknown;
    try {
      canonicalize({ deep });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AegisLogError);
    expect(error).toMatchObject({ code: 'ERR_TOO_DEEP', field: tooDeepAt('deep') });
    expect((error as Error).message).toBe(`${tooDeepAt('deep')} ${TOO_DEEP}`);
  });

  it('arrays count as objects do; nesting of exactly JCS_MAX_DEPTH levels is canonicalised', () => {
    const arrays = JSON.parse(`${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`);
    expect(() => canonicalize(arrays)).toThrow(expect.objectContaining({ code: 'ERR_TOO_DEEP', field: `$${'[0]'.repeat(JCS_MAX_DEPTH)}` }));
    expect(canonicalize(JSON.parse(deepText(JCS_MAX_DEPTH)))).toBe(deepText(JCS_MAX_DEPTH));
    expect(() => canonicalize(JSON.parse(deepText(JCS_MAX_DEPTH + 1)))).toThrow(expect.objectContaining({ code: 'ERR_TOO_DEEP' }));
  });
});

describe('verification of evidence that holds an event nested 200,000 levels deep', () => {
  let key: VerifyKey;
  let bundle: EvidenceBundleV1;

  beforeAll(async () => {
    const signer = await makeSigner();
    key = (await importPublicKey(signer.publicKey)) as VerifyKey;
    bundle = (await sealPeriod(signer, { acme: 2 })).bundles.get('acme')![0]!;
  });

  it('verifyEvidence fails the digest check saying which field nests too deep', async () => {
    const report = await verifyEvidence({ ...bundle, event: { ...bundle.event, deep } }, { keys: key });
    expect(report.ok).toBe(false);
    expect(report.checks.digest).toEqual({ status: 'failed', ok: false, reason: `${tooDeepAt('deep')} ${TOO_DEEP}` });
  });

  it('auditPeriod names the receipt whose statement nests too deep (a key_id of nested arrays)', async () => {
    const receipts = [{ ...bundle.receipt, key_id: JSON.parse(`${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`) }];
    const report = await auditPeriod(receipts, bundle, { keys: key });
    expect(report.problems).toEqual([{ index: 0, eventId: bundle.receipt.event_id, reason: expect.stringMatching(/^cannot be hashed: key_id(\[0\])+ nests deeper than/) }]);
  });

  it('auditExport fails the events check on that line, naming the field', async () => {
    const origin = 'deep.aegislog.test/log';
    const noteKey = await generateNoteSigningKey(origin, NoteKeyType.Ed25519);
    const event = { tenant_id: 'alpha', event_id: 'e0', trace_id: 't0', deep };
    const receipt: Receipt & { leaf_index: number } = {
      v: 1, tenant_id: 'alpha', event_id: 'e0', digest_b64url: b64uEncode(new Uint8Array(32)), received_at: '2026-10-01T00:00:00.000Z',
      key_id: 'k', signing_alg: 'ECDSA_SHA_256', ok: true, trace_id: 't0', signature_b64url: 'MEUCIQ', leaf_index: 0,
    };
    const leaves = [receiptHash(receipt)];
    const head = {
      v: 2 as const, tenant_id: 'alpha', period_start: '2026-10-01T00:00:00.000Z', period_end: '2026-10-02T00:00:00.000Z',
      tree_size: 1, root_b64url: b64uEncode(merkleRoot(leaves)), prev_tree_size: 0, prev_head_index: null,
    };
    const heads = [tenantHeadHash(head)];
    const note = await signNote(formatCheckpoint(origin, 1, merkleRoot(heads)), [await ed25519NoteSigner(noteKey)]);
    const header = {
      v: 2, kind: 'aegislog-export', origin, tenant_head: head, head_index: 0, head_inclusion: { tree_size: 1, path_b64url: inclusionProof(0, heads).map(b64uEncode) },
      prev_head: null, prev_head_index: null, prev_head_inclusion: null, frontier_b64url: [], checkpoint: note,
    };
    // The line as the server writes it, the event's JSON text spliced in (JSON.stringify would overflow too).
    const line = `${JSON.stringify(receipt).slice(0, -1)},"event":${JSON.stringify({ ...event, deep: 0 }).replace('"deep":0', `"deep":${deepText(DEPTH)}`)}}`;
    const report = await auditExport(`${JSON.stringify(header)}\n${line}\n`, { policy: `log ${noteKey.vkey}\nquorum none\n` });
    expect(report.checks.root.status).toBe('passed');
    expect(report.checks.events).toMatchObject({ status: 'failed' });
    expect(report.problems).toEqual([expect.objectContaining({ check: 'events', reason: `the event cannot be canonicalised: ${tooDeepAt('deep')} ${TOO_DEEP}` })]);
  });

  it('the gap counter refuses the line, saying why', () => {
    const counter = gapCounter();
    const line = `{"v":1,"tenant_id":"alpha","event_id":"e0","digest_b64url":"x","event":{"tenant_id":"alpha","event_id":"e0","deep":${deepText(DEPTH)}}}`;
    counter.addLine(line);
    expect(counter.report().refused).toEqual([{ line: 1, reason: `the event cannot be canonicalised: ${tooDeepAt('deep')} ${TOO_DEEP}` }]);
  });
});
