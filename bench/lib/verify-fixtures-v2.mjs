// Protocol-v2 evidence for the verifier benchmarks, made with real keys (a WebCrypto P-256
// key from makeKey, Ed25519 and three witnesses through @noble/curves) and the built
// package's tlog functions: a bundle of a tenant log and a root log of realistic sizes, and
// a period export of n receipts whose head follows an earlier one (a frontier of several hashes).
import { ed25519 } from '@noble/curves/ed25519.js';
import {
  NoteKeyType, b64uEncode, cosignatureV1Message, eventDigest, formatCheckpoint, formatTime, formatVkey, inclusionProof,
  merkleRoot, noteKeyId, rawToDer, receiptHash, signNote, tenantHeadHash,
} from '../../dist/esm/verify.js';
import { PERIOD_END, PERIOD_START, receiptStatements } from './verify-fixtures.mjs';

export const ORIGIN = 'bench.aegislog.test/log';
const encoder = new TextEncoder();
const seedOf = (label) => new Uint8Array(crypto.getRandomValues(new Uint8Array(32)).map((b, i) => b ^ label.charCodeAt(i % label.length)));

/** The log's note keys (the receipt key as ECDSA, and Ed25519) and three witnesses; policies of none and 2 of 3. */
export async function v2Keys(key) {
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', key.pair.publicKey));
  const ecdsa = {
    name: ORIGIN, keyId: noteKeyId(ORIGIN, NoteKeyType.EcdsaP256, spki),
    sign: async (text) => rawToDer(await key.signRaw(text)),
  };
  const edSeed = seedOf('log');
  const edPub = ed25519.getPublicKey(edSeed);
  const ed = { name: ORIGIN, keyId: noteKeyId(ORIGIN, NoteKeyType.Ed25519, edPub), sign: async (text) => ed25519.sign(text, edSeed) };
  const witnesses = ['w1', 'w2', 'w3'].map((w) => {
    const seed = seedOf(w);
    const pub = ed25519.getPublicKey(seed);
    const name = `witness.${w}.test`;
    return { w, name, vkey: formatVkey(name, NoteKeyType.CosignatureV1, pub), keyId: noteKeyId(name, NoteKeyType.CosignatureV1, pub), seed };
  });
  const logs = `log ${formatVkey(ORIGIN, NoteKeyType.EcdsaP256, spki)}\nlog ${formatVkey(ORIGIN, NoteKeyType.Ed25519, edPub)}\n`;
  return {
    ecdsa, ed, witnesses,
    policyNone: `${logs}quorum none\n`,
    policy2of3: `${logs}${witnesses.map((x) => `witness ${x.w} ${x.vkey}\n`).join('')}group q 2 w1 w2 w3\nquorum q\n`,
  };
}

/** A checkpoint note of the root log, signed by the log's two keys and cosigned by `cosigners` witnesses. */
export async function signCheckpoint(keys, size, root, cosigners = 2) {
  const text = formatCheckpoint(ORIGIN, size, root);
  const timestamp = Math.floor(PERIOD_END / 1000) + 2;
  const cosign = keys.witnesses.slice(0, cosigners).map((w) => ({
    name: w.name, keyId: w.keyId,
    sign: async (bytes) => {
      const sig = ed25519.sign(cosignatureV1Message(new TextDecoder().decode(bytes), timestamp), w.seed);
      const out = new Uint8Array(72);
      new DataView(out.buffer).setBigUint64(0, BigInt(timestamp));
      out.set(sig, 8);
      return out;
    },
  }));
  return signNote(text, [keys.ecdsa, keys.ed, ...cosign]);
}

/** A sealed v2 bundle: leaf `index` of a tenant log of `size`, its head the `headIndex`-th of a root log of `rootSize`. */
export async function v2Bundle(key, keys, { size = 1000, index = 517, rootSize = 2000, headIndex = 1337, cosigners = 2 } = {}) {
  const event = { tenant_id: 'acme.eu', event_type: 'model_inference', event_id: 'evt-00000517', trace_id: 'tr-1', prompt: 'héllo', score: 0.5 };
  const statements = receiptStatements('acme.eu', size, key.kid);
  statements[index] = { ...statements[index], event_id: event.event_id, digest_b64url: b64uEncode(eventDigest(event)) };
  const receipt = { ...statements[index], ok: true, trace_id: event.trace_id, signature_b64url: await key.sign(statements[index]) };
  const leaves = statements.map(receiptHash);
  const tenant_head = {
    v: 2, tenant_id: 'acme.eu', period_start: formatTime(PERIOD_START), period_end: formatTime(PERIOD_END),
    tree_size: size, root_b64url: b64uEncode(merkleRoot(leaves)), prev_tree_size: 0, prev_head_index: null,
  };
  const heads = Array.from({ length: rootSize }, (_, t) => (t === headIndex ? tenantHeadHash(tenant_head) : new Uint8Array(32).fill(t % 251)));
  return {
    v: 2, status: 'sealed', origin: ORIGIN, event, receipt, leaf_index: index, tenant_head,
    inclusion: { tree_size: size, path_b64url: inclusionProof(index, leaves).map(b64uEncode) },
    head_index: headIndex,
    head_inclusion: { tree_size: rootSize, path_b64url: inclusionProof(headIndex, heads).map(b64uEncode) },
    checkpoint: await signCheckpoint(keys, rootSize, merkleRoot(heads), cosigners),
  };
}

/**
 * A period export of `n` receipts after `prev` earlier ones (the previous head), as GET /export
 * sends it: its header line, and the receipt lines as 64 KiB UTF-8 chunks (a fetch body, a file).
 * One real signature stands in for every receipt's (the audit without signatures does not check them).
 */
export async function v2Export(key, keys, n, prev = 12_345) {
  const statements = receiptStatements('bench.eu', prev + n, key.kid);
  const signature = await key.sign(statements[prev]);
  const hashes = statements.map(receiptHash);
  const prevRoot = merkleRoot(hashes.slice(0, prev));
  const root = merkleRoot(hashes);
  const period = { period_start: formatTime(PERIOD_START), period_end: formatTime(PERIOD_END) };
  const earlier = { period_start: formatTime(PERIOD_START - 86_400_000), period_end: period.period_start };
  const prev_head = { v: 2, tenant_id: 'bench.eu', ...earlier, tree_size: prev, root_b64url: b64uEncode(prevRoot), prev_tree_size: 0, prev_head_index: null };
  const tenant_head = { v: 2, tenant_id: 'bench.eu', ...period, tree_size: prev + n, root_b64url: b64uEncode(root), prev_tree_size: prev, prev_head_index: 0 };
  const heads = [tenantHeadHash(prev_head), tenantHeadHash(tenant_head)];
  const header = {
    v: 2, kind: 'aegislog-export', origin: ORIGIN,
    tenant_head, head_index: 1, head_inclusion: { tree_size: 2, path_b64url: inclusionProof(1, heads).map(b64uEncode) },
    prev_head, prev_head_index: 0, prev_head_inclusion: { tree_size: 2, path_b64url: inclusionProof(0, heads).map(b64uEncode) },
    frontier_b64url: frontierOf(hashes, prev).map(b64uEncode),
    checkpoint: await signCheckpoint(keys, 2, merkleRoot(heads)),
  };
  const chunks = [encoder.encode(`${JSON.stringify(header)}\n`)];
  let parts = [];
  let length = 0;
  for (let i = prev; i < prev + n; i++) {
    const line = `${JSON.stringify({ ...statements[i], ok: true, trace_id: `tr-${i}`, signature_b64url: signature, leaf_index: i })}\n`;
    parts.push(line);
    length += line.length;
    if (length >= 65_536) {
      chunks.push(encoder.encode(parts.join('')));
      parts = [];
      length = 0;
    }
  }
  if (parts.length) chunks.push(encoder.encode(parts.join('')));
  return { chunks, header, statements: statements.slice(prev), tenant_head };
}

/** The frontier at `size` (PROTOCOL.md §5): roots of the perfect subtrees of its binary decomposition, largest first. */
function frontierOf(leaves, size) {
  const out = [];
  for (let at = 0; at < size; ) {
    let width = 1;
    while (width * 2 <= size - at) width *= 2;
    out.push(merkleRoot(leaves.slice(at, at + width)));
    at += width;
  }
  return out;
}
