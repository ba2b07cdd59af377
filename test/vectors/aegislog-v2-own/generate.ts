/**
 * This project's own protocol-v2 vectors, with every intermediate value: keys and
 * vkeys, receipt statements and hashes, leaf hashes, the tenant logs' and the root
 * log's tiles, frontiers, heads, checkpoint notes with each signature, inclusion and
 * consistency proofs, then bundles, exports and histories made from them.
 *
 * Deterministic (fixed seeds; RFC 6979 ECDSA; Ed25519; fixed cosignature times), so
 * the files in this folder are exactly what `generateOwnVectors()` returns: the test
 * (test/verify/own-vectors.test.ts) regenerates and compares them byte for byte, and
 * writes them with AEGISLOG_WRITE_VECTORS=1. Proofs here come from a naive RFC 9162
 * (below), not from the library's tile code, so that tests can compare the two.
 */
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  SIGNING_ALG, b64Encode, b64uEncode, canonicalBytes, canonicalize, formatTime, jwkThumbprint, tenantHeadHash,
  type EvidenceBundle, type ProofWire, type Receipt, type ReceiptStatement, type TenantHead, type WireEvent,
} from '../../../src/protocol/index.js';
import { formatCheckpoint } from '../../../src/tlog/checkpoint.js';
import { leafHash, nodeHash } from '../../../src/tlog/merkle.js';
import { signNote } from '../../../src/tlog/note.js';
import { appendLeafHashes } from '../../../src/tlog/tile-append.js';
import { tilePath } from '../../../src/tlog/tiles.js';
import { NoteKeyType, formatVkey, hexId, noteKeyId, p256Spki } from '../../../src/tlog/vkey.js';
import { ed25519PublicKeyOf } from '../../../src/verify/ed25519.js';
import { cosigner, ecdsaNoteSigner, ed25519NoteSigner } from '../../../src/verify/note-signers.js';

export const ORIGIN = 'own.aegislog.test/log';
const DAY = 86_400_000;
const P0 = Date.UTC(2026, 9, 1); // 2026-10-01
/** Receipts per tenant and period; period 3 grows no log (its seal re-signs the same size); period 4 stays open. */
const GROWTH: Record<string, number[]> = { alpha: [3, 300, 1, 0, 2], beta: [1, 0, 4, 0, 0], 'gamma.io': [0, 2, 0, 0, 0] };
const SEALED_PERIODS = 4;
const WITNESSES = ['w1', 'w2', 'w3'] as const;
/** Witness w3 is down: it never cosigns, and the 2-of-3 quorum still holds. */
const COSIGNING = ['w1', 'w2'] as const;

const seed = (label: string) => sha256(new TextEncoder().encode(`aegislog-v2-own ${label}`));
const json = (value: unknown) => `${JSON.stringify(value, null, 1)}\n`;

interface LogState {
  leafHashes: Uint8Array[];
  edge: (Uint8Array | undefined)[];
  tiles: Map<string, string>;
}

function newLog(): LogState {
  return { leafHashes: [], edge: [], tiles: new Map() };
}

/** Appends leaves (their data: 32-byte hashes) through the library's tile append, keeping every tile written. */
function append(log: LogState, data: Uint8Array[]): void {
  const hashes = data.map(leafHash);
  const joined = new Uint8Array(32 * hashes.length);
  hashes.forEach((h, i) => joined.set(h, 32 * i));
  const { writes } = appendLeafHashes(log.leafHashes.length, log.edge, joined);
  for (const { tile, bytes } of writes) {
    log.tiles.set(tilePath(tile), b64Encode(bytes));
    log.edge[tile.level] = tile.width < 256 ? bytes : undefined; // a level's partial tile is written after its full ones
  }
  // A level whose partial tile just filled up has no partial tile at the new size.
  const size = log.leafHashes.length + hashes.length;
  for (let level = 0; level < 8; level++) if (Math.floor(size / 256 ** level) % 256 === 0) log.edge[level] = undefined;
  log.leafHashes.push(...hashes);
}

// ---- naive RFC 9162 (§2.1), independent of the library's tile code ---------

function mth(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sha256(new Uint8Array(0));
  if (leaves.length === 1) return leaves[0]!;
  const k = split(leaves.length);
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function path(m: number, leaves: readonly Uint8Array[]): Uint8Array[] {
  if (leaves.length <= 1) return [];
  const k = split(leaves.length);
  return m < k ? [...path(m, leaves.slice(0, k)), mth(leaves.slice(k))] : [...path(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}

function subproof(m: number, leaves: readonly Uint8Array[], b: boolean): Uint8Array[] {
  const n = leaves.length;
  if (m === n) return b ? [] : [mth(leaves)];
  const k = split(n);
  return m <= k ? [...subproof(m, leaves.slice(0, k), b), mth(leaves.slice(k))] : [...subproof(m - k, leaves.slice(k), false), mth(leaves.slice(0, k))];
}

/** The frontier at `size`: roots of the perfect subtrees of its binary decomposition, largest first. */
function frontier(leaves: readonly Uint8Array[], size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < size; ) {
    let width = 1;
    while (width * 2 <= size - at) width *= 2;
    out.push(mth(leaves.slice(at, at + width)));
    at += width;
  }
  return out;
}

const proofWire = (size: number, hashes: Uint8Array[]): ProofWire => ({ tree_size: size, path_b64url: hashes.map(b64uEncode) });

// ---- the vectors ---------------------------------------------------------------

export async function generateOwnVectors(): Promise<Map<string, string>> {
  const files = new Map<string, string>();

  // Keys: the receipt key is the log's ECDSA note key (§7); an Ed25519 note key; three witnesses.
  const ecdsaSecret = seed('ecdsa');
  const point = p256.getPublicKey(ecdsaSecret, false);
  const spki = p256Spki(point);
  const jwk = { kty: 'EC', crv: 'P-256', x: b64uEncode(point.subarray(1, 33)), y: b64uEncode(point.subarray(33)) } as const;
  const kid = jwkThumbprint(jwk);
  const signDigestOf = (message: Uint8Array) => p256.sign(message, ecdsaSecret, { format: 'der' }); // SHA-256 of the message, RFC 6979
  const skey = (name: string, type: number, s: Uint8Array) => {
    const body = new Uint8Array(33);
    body[0] = type;
    body.set(s, 1);
    return `PRIVATE+KEY+${name}+${hexId(noteKeyId(name, type as never, ed25519PublicKeyOf(s)))}+${b64Encode(body)}`;
  };
  const ecdsaSigner = await ecdsaNoteSigner(ORIGIN, { spki, sign: async (m) => signDigestOf(m) });
  const edSigner = await ed25519NoteSigner(skey(ORIGIN, NoteKeyType.Ed25519, seed('log ed25519')));
  const witnessName = (w: string) => `witness.${w}.test/${w}`;
  const witnessKeys = Object.fromEntries(WITNESSES.map((w) => [w, skey(witnessName(w), NoteKeyType.CosignatureV1, seed(`witness ${w}`))]));
  const witnessVkeys = Object.fromEntries(WITNESSES.map((w) => [w, formatVkey(witnessName(w), NoteKeyType.CosignatureV1, ed25519PublicKeyOf(seed(`witness ${w}`)))]));
  const pem = `-----BEGIN PUBLIC KEY-----\n${b64Encode(spki).match(/.{1,64}/g)!.join('\n')}\n-----END PUBLIC KEY-----\n`;
  files.set('keys/receipt-ecdsa.pub.pem', pem);
  files.set('keys/jwks.json', json({ keys: [{ ...jwk, kid, alg: 'ES256', use: 'sig' }] }));
  files.set('keys/vkeys', `${ecdsaSigner.vkey}\n${edSigner.vkey}\n`);
  const logLines = `log ${ecdsaSigner.vkey}\nlog ${edSigner.vkey}\n`;
  files.set('policy-none.txt', `# the log's two note keys, no witness\n${logLines}quorum none\n`);
  files.set('policy-2of3.txt', `# the log, and two of three witnesses\n${logLines}${WITNESSES.map((w) => `witness ${w} ${witnessVkeys[w]}\n`).join('')}group two 2 w1 w2 w3\nquorum two\n`);

  // Tenant logs: receipts committed in received_at order; one head per tenant and period that grew.
  const tenants = Object.keys(GROWTH).sort();
  const logs = new Map(tenants.map((t) => [t, newLog()]));
  const entries = new Map<string, { event: WireEvent; receipt: Receipt; statementJcs: string; receiptHash: Uint8Array; period: number }[]>(tenants.map((t) => [t, []]));
  const rootLog = newLog();
  const rootData: Uint8Array[] = [];
  const heads: { tenant: string; period: number; head: TenantHead; index: number; frontierAtPrev: Uint8Array[] }[] = [];
  const checkpoints: { period: number; size: number; root: Uint8Array; text: string; note: string; sealedAt: string }[] = [];
  let clientSeq = 0;

  for (let period = 0; period <= SEALED_PERIODS; period++) {
    const start = P0 + period * DAY;
    for (const tenant of tenants) {
      const n = GROWTH[tenant]![period]!;
      for (let i = 0; i < n; i++) {
        const list = entries.get(tenant)!;
        const index = list.length;
        clientSeq += tenant === 'alpha' && index === 5 ? 2 : 1; // alpha's client lost one event: a gap an auditor can count
        const event: WireEvent = {
          tenant_id: tenant,
          event_type: 'model_inference',
          event_id: `${tenant}-${String(index).padStart(4, '0')}`,
          trace_id: `trace-${tenant}-${index}`,
          recorded_at: formatTime(start + 1000 * (index + 1) - 500),
          model_context: { model_id: 'own-model', model_version: '2.0' },
          client_id: `client-${tenant}`,
          client_seq: clientSeq,
          ...(index === 0 ? { prompt: 'héllo wörld 😀 <>&"\\', score: 0.5, big: 1e21, nested: { b: [1, 2.5, null, true], a: 'x' } } : { n: index }),
        };
        const statement: ReceiptStatement = {
          v: 1, tenant_id: tenant, event_id: event.event_id, digest_b64url: b64uEncode(sha256(canonicalBytes(event, { safeIntegersOnly: false }))),
          received_at: formatTime(start + 60_000 * (i + 1)), key_id: kid, signing_alg: SIGNING_ALG,
        };
        const statementJcs = canonicalize(statement);
        const signature = b64uEncode(signDigestOf(new TextEncoder().encode(statementJcs)));
        const receipt: Receipt = { ...statement, ok: true, trace_id: event.trace_id, signature_b64url: signature };
        list.push({ event, receipt, statementJcs, receiptHash: sha256(new TextEncoder().encode(statementJcs)), period });
      }
    }
    if (period === SEALED_PERIODS) break; // the open period: receipts, no seal

    // The seal: close every tenant that grew, append the heads in tenant order, sign a checkpoint.
    for (const tenant of tenants) {
      const list = entries.get(tenant)!;
      const log = logs.get(tenant)!;
      const prevSize = log.leafHashes.length;
      const grown = list.slice(prevSize).map((e) => e.receiptHash);
      if (grown.length === 0) continue;
      const frontierAtPrev = frontier(log.leafHashes, prevSize);
      append(log, grown);
      const previous = heads.filter((h) => h.tenant === tenant).at(-1);
      const head: TenantHead = {
        v: 2, tenant_id: tenant, period_start: formatTime(start), period_end: formatTime(start + DAY),
        tree_size: log.leafHashes.length, root_b64url: b64uEncode(mth(log.leafHashes)),
        prev_tree_size: prevSize, prev_head_index: previous ? previous.index : null,
      };
      heads.push({ tenant, period, head, index: rootData.length, frontierAtPrev });
      rootData.push(tenantHeadHash(head));
    }
    const grownRoot = rootData.slice(rootLog.leafHashes.length);
    if (grownRoot.length) append(rootLog, grownRoot);
    const size = rootLog.leafHashes.length;
    const root = mth(rootLog.leafHashes);
    const text = formatCheckpoint(ORIGIN, size, root);
    const sealedAt = start + DAY + 2000;
    const cosigners = await Promise.all(COSIGNING.map((w) => cosigner(witnessKeys[w]!, { now: () => Math.floor(sealedAt / 1000) + 1 })));
    const note = await signNote(text, [ecdsaSigner, edSigner, ...cosigners]);
    checkpoints.push({ period, size, root, text, note, sealedAt: formatTime(sealedAt) });
  }

  const latest = checkpoints.at(-1)!;
  const rootLeaves = rootLog.leafHashes;

  // Intermediates: every value the proofs are made of.
  files.set('intermediates.json', json({
    origin: ORIGIN,
    keys: {
      ecdsa: { jwk: { ...jwk, kid }, spki_b64: b64Encode(spki), note_key_id: hexId(ecdsaSigner.keyId), vkey: ecdsaSigner.vkey },
      ed25519: { note_key_id: hexId(edSigner.keyId), vkey: edSigner.vkey },
      witnesses: Object.fromEntries(WITNESSES.map((w) => [w, { name: witnessName(w), vkey: witnessVkeys[w] }])),
    },
    tenants: Object.fromEntries(tenants.map((t) => [t, {
      entries: entries.get(t)!.map((e, i) => ({
        leaf_index: i, statement_jcs: e.statementJcs, receipt_hash_b64url: b64uEncode(e.receiptHash),
        leaf_hash_b64url: i < logs.get(t)!.leafHashes.length ? b64uEncode(logs.get(t)!.leafHashes[i]!) : null,
      })),
      heads: heads.filter((h) => h.tenant === t).map((h) => ({
        head: h.head, head_index: h.index, head_hash_b64url: b64uEncode(tenantHeadHash(h.head)),
        frontier_at_prev_b64url: h.frontierAtPrev.map(b64uEncode),
        frontier_b64url: frontier(logs.get(t)!.leafHashes, h.head.tree_size).map(b64uEncode),
      })),
    }])),
    root_log: {
      entries_b64url: rootData.map(b64uEncode),
      leaf_hashes_b64url: rootLeaves.map(b64uEncode),
      checkpoints: checkpoints.map((c) => ({
        period: c.period, size: c.size, root_b64url: b64uEncode(c.root), text: c.text, note: c.note,
        frontier_b64url: frontier(rootLeaves, c.size).map(b64uEncode),
      })),
      consistency: checkpoints.slice(1).map((c, i) => ({
        from: checkpoints[i]!.size, to: c.size, path_b64url: subproof(checkpoints[i]!.size, rootLeaves.slice(0, c.size), true).map(b64uEncode),
      })),
    },
  }));
  files.set('tiles.json', json({
    root: Object.fromEntries(rootLog.tiles),
    ...Object.fromEntries(tenants.map((t) => [t, Object.fromEntries(logs.get(t)!.tiles)])),
  }));

  // Bundles: proofs cut to a checkpoint (the latest, as a server serves them; one to its own period's).
  const manifest: Record<string, { policy: string; what: string }> = {};
  const bundleOf = (tenant: string, leaf: number, cp = latest): EvidenceBundle => {
    const e = entries.get(tenant)![leaf]!;
    const h = heads.find((x) => x.tenant === tenant && x.head.prev_tree_size <= leaf && leaf < x.head.tree_size)!;
    const tenantLeaves = logs.get(tenant)!.leafHashes.slice(0, h.head.tree_size);
    return {
      v: 2, status: 'sealed', origin: ORIGIN, event: e.event, receipt: e.receipt, leaf_index: leaf,
      tenant_head: h.head, inclusion: proofWire(h.head.tree_size, path(leaf, tenantLeaves)),
      head_index: h.index, head_inclusion: proofWire(cp.size, path(h.index, rootLeaves.slice(0, cp.size))),
      checkpoint: cp.note,
    };
  };
  const addBundle = (name: string, bundle: EvidenceBundle, policy: string, what: string) => {
    files.set(`bundles/${name}.json`, json(bundle));
    manifest[`bundles/${name}.json`] = { policy, what };
  };
  addBundle('alpha-leaf0', bundleOf('alpha', 0), 'policy-2of3.txt', "the tenant's first entry; unicode, 1e21 and nesting in the event");
  addBundle('alpha-leaf255', bundleOf('alpha', 255), 'policy-2of3.txt', 'the last leaf of the first full level-0 tile');
  addBundle('alpha-leaf256', bundleOf('alpha', 256), 'policy-2of3.txt', 'the first leaf of the second tile');
  addBundle('alpha-leaf303', bundleOf('alpha', 303), 'policy-none.txt', 'a one-entry period');
  addBundle('beta-leaf0-own-checkpoint', bundleOf('beta', 0, checkpoints[0]!), 'policy-2of3.txt', "proofs cut to its own period's checkpoint");
  addBundle('gamma.io-leaf1', bundleOf('gamma.io', 1), 'policy-none.txt', 'a tenant whose first head is in period 1');
  const withConsistency = bundleOf('beta', 3);
  const from = checkpoints[1]!;
  withConsistency.consistency = { from_size: from.size, path_b64url: subproof(from.size, rootLeaves.slice(0, latest.size), true).map(b64uEncode) };
  addBundle('beta-leaf3-consistency', withConsistency, 'policy-2of3.txt', `carries a consistency proof from size ${from.size} (period 1's checkpoint)`);
  const open = entries.get('alpha')!.at(-1)!;
  addBundle('alpha-pending', { v: 2, status: 'pending', origin: ORIGIN, event: open.event, receipt: open.receipt, leaf_index: entries.get('alpha')!.length - 1 }, 'policy-none.txt', 'pending: received in the open period');

  // Exports: one per head; alpha's period 1 with its events; the open period.
  for (const h of heads) {
    const prev = heads.find((x) => x.index === h.head.prev_head_index);
    const header = {
      v: 2, kind: 'aegislog-export', origin: ORIGIN,
      tenant_head: h.head, head_index: h.index, head_inclusion: proofWire(latest.size, path(h.index, rootLeaves)),
      prev_head: prev?.head ?? null, prev_head_index: prev?.index ?? null,
      prev_head_inclusion: prev ? proofWire(latest.size, path(prev.index, rootLeaves)) : null,
      frontier_b64url: h.frontierAtPrev.map(b64uEncode),
      checkpoint: latest.note,
    };
    const withEvents = h.tenant === 'alpha' && h.period === 1;
    const lines = entries.get(h.tenant)!.slice(h.head.prev_tree_size, h.head.tree_size).map((e, k) =>
      JSON.stringify({ ...e.receipt, leaf_index: h.head.prev_tree_size + k, ...(withEvents ? { event: e.event } : {}) }));
    const name = `exports/${h.tenant}-p${h.period}${withEvents ? '-events' : ''}.ndjson`;
    files.set(name, `${[JSON.stringify(header), ...lines].join('\n')}\n`);
    manifest[name] = { policy: h.period % 2 ? 'policy-2of3.txt' : 'policy-none.txt', what: `entries [${h.head.prev_tree_size}, ${h.head.tree_size})${withEvents ? ', with events' : ''}` };
  }
  const alphaOpen = entries.get('alpha')!.filter((e) => e.period === SEALED_PERIODS);
  const first = entries.get('alpha')!.length - alphaOpen.length;
  const openHeader = { v: 2, kind: 'aegislog-export', origin: ORIGIN, tenant_head: null, head_index: null, head_inclusion: null, prev_head: null, prev_head_index: null, prev_head_inclusion: null, frontier_b64url: [], checkpoint: latest.note };
  files.set('exports/alpha-open.ndjson', `${[JSON.stringify(openHeader), ...alphaOpen.map((e, k) => JSON.stringify({ ...e.receipt, leaf_index: first + k }))].join('\n')}\n`);
  manifest['exports/alpha-open.ndjson'] = { policy: 'policy-none.txt', what: 'the open period: no head; proven by each receipt signature only' };

  // Histories: all checkpoints (a re-signed size among them), and one from the second on.
  const historyOf = (list: typeof checkpoints) => ({
    v: 2, origin: ORIGIN,
    checkpoints: list.map((c, i) => ({
      note: c.note, tree_size: c.size,
      period_start: formatTime(P0 + c.period * DAY), period_end: formatTime(P0 + (c.period + 1) * DAY), sealed_at: c.sealedAt,
      ...(i === 0 ? {} : { consistency_b64url: subproof(list[i - 1]!.size, rootLeaves.slice(0, c.size), true).map(b64uEncode) }),
    })),
  });
  files.set('histories/history.json', json(historyOf(checkpoints)));
  manifest['histories/history.json'] = { policy: 'policy-2of3.txt', what: 'every checkpoint; the last re-signs the same size (a seal that appended nothing)' };
  files.set('histories/history-from-1.json', json(historyOf(checkpoints.slice(1))));
  manifest['histories/history-from-1.json'] = { policy: 'policy-none.txt', what: 'starts mid-log: the first entry has no consistency proof' };

  files.set('manifest.json', json({ origin: ORIGIN, now: formatTime(P0 + 30 * DAY), files: manifest }));
  return files;
}

