import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { b64uDecode, receiptStatementOf } from '../../src/protocol/index.js';
import type { CheckpointHistory, EvidenceBundle, ExportHeader, ExportLine, Receipt } from '../../src/protocol/index.js';
import { memoryStore } from '../../src/server/index.js';
import { parseCheckpoint } from '../../src/tlog/checkpoint.js';
import { verifyConsistency } from '../../src/tlog/merkle.js';
import { parseTilePath } from '../../src/tlog/tiles.js';
import { consistencyFromTiles, rootFromTiles } from '../../src/tlog/tile-proofs.js';
import { importPublicKey, verifyEvidence } from '../../src/verify/index.js';
import { verifyNote } from '../../src/verify/notes.js';
import { bundleProblems, checkBundle, exportProblems, type Trust } from '../support/v2-check.js';
import { KEYS, ORIGIN, TENANT, clock, event, start } from './helpers.js';
import type { Running } from './helpers.js';

const BOUNDARY = Date.UTC(2026, 10, 28, 0, 0, 0);
const c = clock(BOUNDARY + 3_600_000);
let s: Running;
let trust: Trust;

const FULL = {
  policy_context: { policy_name: 'credit', policy_version: '4.2.1', policy_hash: `sha256:${'ab'.repeat(32)}` },
  data_provenance: { reference_databases: ['kb-v3'], data_version: '2026-01-11' },
  human_intervention: { required: true, reviewer: 'officer_42', reviewed_at: 1795000000 },
  model_context: { model_id: 'risk-v4', model_version: '4.2.0' },
  session_context: { session_id: 's1', started_at: 1795000000 },
};

async function ingest(e: Record<string, unknown>): Promise<Receipt> {
  const response = await s.call('/ingest', { key: KEYS.ingest, json: e });
  expect(response.status).toBe(200);
  return (await response.json()) as Receipt;
}

beforeAll(async () => {
  s = await start({ now: c.now });
  // The auditor's receipt key, pinned out of band: taken from the signer, not from the server's JWKS.
  const vkeys = (await (await s.call('/.well-known/aegislog/vkeys', { key: null })).text()).trim().split('\n');
  trust = { receiptKeys: await importPublicKey(await s.signer.publicJwk()), vkeys };
});
afterAll(() => s.stop());

describe('GET /evidence and /verify', () => {
  test('a pending bundle over HTTP verifies with the offline verifier (digest and receipt signature only)', async () => {
    const receipt = await ingest(event());
    const bundle = (await (await s.call(`/evidence/${receipt.event_id}`)).json()) as EvidenceBundle;
    expect(bundle).toMatchObject({ v: 2, status: 'pending', origin: ORIGIN, leaf_index: 0 });
    expect(bundle.checkpoint).toBeUndefined();
    expect(await checkBundle(bundle, trust)).toEqual({ digest: true, receipt_signature: true });
  });

  test('/verify answers what the Python SDK reads; pending before the seal, verified after', async () => {
    const receipt = await ingest(event(FULL));
    const path = `/verify/${receipt.event_id}?tenant_id=${TENANT}`;
    const pending = (await (await s.call(path)).json()) as Record<string, any>;
    expect(pending.status).toBe('pending');
    expect(pending.merkle_linkage).toBeNull();
    expect(pending.cryptographic_proof).toMatchObject({ kms_signature_valid: true, digest_b64url: receipt.digest_b64url, key_id: s.signer.keyId });
    expect(pending.compliance.immutable_record).toBe(false);

    c.advance(86_400_000);
    await s.server.sealDue();
    const verified = (await (await s.call(path)).json()) as Record<string, any>;
    expect(verified.status).toBe('verified');
    expect(verified.event.event_id).toBe(receipt.event_id);
    expect(verified.cryptographic_proof.kms_signature_valid).toBe(true);
    expect(typeof verified.merkle_linkage.global_root_hash).toBe('string');
    expect(verified.merkle_linkage).toMatchObject({ period_start: new Date(BOUNDARY).toISOString(), leaf_index: 1, tree_size: 2, head_index: 0, checkpoint_signature_valid: true });
    expect(verified.cryptographic_proof.received_at).toBe(receipt.received_at);
    expect(verified.verified_at).toBe(new Date(c.now()).toISOString());
    expect(verified.compliance).toEqual({
      time_machine_defense: true,
      eu_ai_act_article_12: true,
      eu_ai_act_article_14_human_oversight: true,
      full_traceability: true,
      non_repudiation: true,
      immutable_record: true,
      fields_present: {
        policy_context: { policy_name: true, policy_version: true, policy_hash: true },
        data_provenance: { reference_databases: true, training_datasets: false, data_version: true, lineage: false },
        human_intervention: { required: true, reason: false, reviewer: true, reviewed_at: true },
        model_context: { model_id: true, model_version: true, model_type: false, deployment_id: false },
        session_context: { session_id: true, started_at: true, ended_at: false },
        performance_metrics: { latency_ms: false, confidence_score: false, input_tokens: false, output_tokens: false, anomaly_flags: false },
      },
    });
    const sealed = (await (await s.call(`/evidence/${receipt.event_id}`)).json()) as EvidenceBundle;
    expect(sealed).toMatchObject({ v: 2, status: 'sealed', leaf_index: 1, head_index: 0, tenant_head: { v: 2, tree_size: 2, prev_tree_size: 0, prev_head_index: null } });
    expect(Object.keys(await checkBundle(sealed, trust)).sort()).toEqual(['checkpoint_signature', 'digest', 'head_inclusion', 'inclusion', 'period', 'receipt_signature']);
    expect(await bundleProblems(sealed, trust)).toEqual([]);
  });

  test('compliance flags are false where the contexts are missing or incomplete', async () => {
    const receipt = await ingest(event({ model_context: undefined, human_intervention: { required: true, reviewer: 'x' }, policy_context: { policy_version: '1' } }));
    const answer = (await (await s.call(`/verify/${receipt.event_id}`)).json()) as Record<string, any>;
    expect(answer.compliance).toMatchObject({
      time_machine_defense: false, eu_ai_act_article_12: false, eu_ai_act_article_14_human_oversight: false,
      full_traceability: false, non_repudiation: true, immutable_record: false,
    });
  });

  test('an unknown event → 404 on /verify and /evidence', async () => {
    for (const route of ['verify', 'evidence']) {
      const response = await s.call(`/${route}/no-such-event`);
      expect(response.status).toBe(404);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('not_found');
    }
  });

  test('an ingest key on a read route → 403; another tenant → 403; an admin key names the tenant', async () => {
    const receipt = await ingest(event());
    expect((await s.call(`/verify/${receipt.event_id}`, { key: KEYS.ingest })).status).toBe(403);
    expect((await s.call(`/evidence/${receipt.event_id}`, { key: KEYS.ingest })).status).toBe(403);
    expect((await s.call(`/export`, { key: KEYS.ingest })).status).toBe(403);
    expect((await s.call(`/verify/${receipt.event_id}?tenant_id=${TENANT}`, { key: KEYS.otherRead })).status).toBe(403);
    expect((await s.call(`/verify/${receipt.event_id}`, { key: KEYS.otherRead })).status).toBe(404);
    expect((await s.call(`/evidence/${receipt.event_id}`, { key: KEYS.admin })).status).toBe(400);
    expect((await s.call(`/evidence/${receipt.event_id}?tenant_id=${TENANT}`, { key: KEYS.admin })).status).toBe(200);
    expect((await s.call(`/verify/${receipt.event_id}`, { key: null })).status).toBe(401);
  });

  test('an event id outside the alphabet → 400 naming event_id', async () => {
    const response = await s.call('/verify/bad%20id');
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { field: string } }).error.field).toBe('event_id');
  });
});

describe('GET /export, /head, /logs/<tenant>/..., /checkpoints, /proof/consistency, tiles', () => {
  test('/export of the open period: the entries no head covers, in leaf order, across pages, under a header with no head', async () => {
    c.advance(1);
    await s.server.sealNow();
    const events = Array.from({ length: 1200 }, (_, i) => event({ event_id: `exp-${String(i).padStart(4, '0')}` }));
    for (let i = 0; i < events.length; i += 500) {
      const response = await s.call('/ingest/batch', { key: KEYS.ingest, json: { events: events.slice(i, i + 500) } });
      expect(((await response.json()) as { errors: unknown[] }).errors).toEqual([]);
      c.advance(1);
    }
    const response = await s.call('/export');
    expect(response.headers.get('content-type')).toContain('application/x-ndjson');
    expect(response.headers.get('aegislog-sealed')).toBe('false');
    const [headerLine, ...rest] = (await response.text()).trimEnd().split('\n');
    const header = JSON.parse(headerLine!) as ExportHeader;
    expect(header).toMatchObject({ v: 2, kind: 'aegislog-export', origin: ORIGIN, tenant_head: null, head_index: null, prev_head: { tenant_id: TENANT } });
    const lines = rest.map((l) => JSON.parse(l) as ExportLine);
    expect(lines.map((r) => r.event_id)).toEqual(events.map((e) => e.event_id));
    expect(lines.map((r) => r.leaf_index)).toEqual(events.map((_, i) => header.prev_head!.tree_size + i));
    expect(lines[0]!.event).toBeUndefined();
  });

  test('/export of a sealed period proves itself: head and previous head in the checkpoint, frontier, every line (§6.2)', async () => {
    const [cp] = await s.server.sealNow();
    const response = await s.call(`/export?period_start=${cp!.period_start}&events=true`);
    expect(response.headers.get('aegislog-period-end')).toBe(cp!.period_end);
    const text = await response.text();
    const [headerLine, ...lines] = text.trimEnd().split('\n');
    expect(lines).toHaveLength(1200);
    const header = JSON.parse(headerLine!) as ExportHeader;
    expect(header.tenant_head).toMatchObject({ tree_size: header.prev_head!.tree_size + 1200, prev_tree_size: header.prev_head!.tree_size, prev_head_index: header.prev_head_index });
    expect(header.frontier_b64url.length).toBeGreaterThan(0);
    expect((JSON.parse(lines[0]!) as ExportLine).event).toMatchObject({ event_id: 'exp-0000' });
    expect(await exportProblems(text, trust)).toEqual([]);
    // Any line changed, dropped or moved, and the audit names it.
    const tampered = [headerLine, ...lines.slice(0, 5), lines[6], lines[5], ...lines.slice(7)].join('\n');
    expect((await exportProblems(tampered, trust)).length).toBeGreaterThan(0);
    expect((await s.call('/export?period_start=2020-01-01T00:00:00.000Z')).status).toBe(404);
    expect((await s.call('/export?period_start=yesterday')).status).toBe(400);
    expect((await s.call(`/export?period_start=${cp!.period_start}&events=yes`)).status).toBe(400);
  });

  test('/head and /logs/<tenant>/heads: each head with its root-log index, proven in the latest checkpoint', async () => {
    const lines = (await (await s.call(`/logs/${TENANT}/heads`)).text()).trimEnd().split('\n').map((l) => JSON.parse(l) as { tenant_head: ExportHeader['prev_head']; head_index: number });
    expect(lines.length).toBeGreaterThanOrEqual(3);
    lines.forEach((line, i) => expect(line.tenant_head!.prev_head_index).toBe(i === 0 ? null : lines[i - 1]!.head_index));
    const answer = (await (await s.call(`/head?period_start=${lines[1]!.tenant_head!.period_start}`)).json()) as Record<string, any>;
    expect(answer.tenant_head).toEqual(lines[1]!.tenant_head);
    expect(answer.head_index).toBe(lines[1]!.head_index);
    const note = await verifyNote(answer.checkpoint, { logs: trust.vkeys }, { origin: ORIGIN });
    expect(note.logSignature.status).toBe('passed');
    expect(answer.head_inclusion.tree_size).toBe(note.checkpoint!.size);
    expect((await s.call(`/head?period_start=${lines[1]!.tenant_head!.period_start}`, { key: KEYS.otherRead })).status).toBe(404);
    expect((await s.call('/head')).status).toBe(400);
    expect((await s.call(`/logs/${TENANT}/heads`, { key: KEYS.otherRead })).status).toBe(403);
    expect((await s.call(`/logs/${TENANT}/heads`, { key: KEYS.ingest })).status).toBe(403);
  });

  test('/checkpoints is an offline history: public, signed notes, consistency between each pair, [from, to) by position', async () => {
    const history = (await (await s.call('/checkpoints', { key: null })).json()) as CheckpointHistory;
    expect(history).toMatchObject({ v: 2, origin: ORIGIN });
    const all = history.checkpoints;
    expect(all.length).toBeGreaterThanOrEqual(3);
    expect(all[0]!.consistency_b64url).toBeUndefined();
    for (const [i, entry] of all.entries()) {
      const note = await verifyNote(entry.note, { logs: trust.vkeys }, { origin: ORIGIN });
      expect(note.logSignature.status).toBe('passed');
      expect(note.checkpoint!.size).toBe(entry.tree_size);
      if (i === 0) continue;
      const before = parseCheckpoint(all[i - 1]!.note.split('\n\n')[0] + '\n');
      expect(entry.period_start).toBe(all[i - 1]!.period_end);
      if (before.size === entry.tree_size) expect(entry.consistency_b64url).toEqual([]);
      else expect(verifyConsistency({ size1: before.size, size2: entry.tree_size, root1: before.root, root2: note.checkpoint!.root, proof: entry.consistency_b64url!.map((p) => b64uDecode(p)) })).toBe(true);
    }
    const later = (await (await s.call('/checkpoints?from=1')).json()) as CheckpointHistory;
    expect(later.checkpoints).toEqual([{ ...all[1]!, consistency_b64url: undefined }, ...all.slice(2)].map((e) => JSON.parse(JSON.stringify(e))));
    const one = (await (await s.call('/checkpoints?from=1&to=2')).json()) as CheckpointHistory;
    expect(one.checkpoints.map((e) => e.tree_size)).toEqual([all[1]!.tree_size]);
    expect((await s.call('/checkpoints?from=-1')).status).toBe(400);
    expect((await s.call('/checkpoints?from=99999')).status).toBe(400);
    // A reversed range is a mistake, as it is for /proof/consistency, not an empty history.
    expect(await (await s.call('/checkpoints?from=2&to=1')).json()).toEqual({ error: { code: 'bad_request', field: 'to', message: 'to 1 is smaller than from 2' } });
    const m = all[0]!.tree_size;
    const n = all.at(-1)!.tree_size;
    const proof = (await (await s.call(`/proof/consistency?from=${m}&to=${n}`, { key: null })).json()) as { path_b64url: string[] };
    expect(proof.path_b64url).toEqual(all.length > 1 && m < n ? expect.any(Array) : []);
    expect((await s.call(`/proof/consistency?from=${n}&to=${m}`)).status).toBe(n > m ? 400 : 200);
    expect((await s.call(`/proof/consistency?from=1&to=${n + 1}`)).status).toBe(404);
    expect((await s.call('/proof/consistency?to=1')).status).toBe(400);
  });

  test('/evidence?from_size=M: a sealed bundle carries its consistency proof from the trusted checkpoint of M entries', async () => {
    const receipt = await ingest(event());
    c.advance(86_400_000);
    await s.server.sealDue();
    const all = ((await (await s.call('/checkpoints', { key: null })).json()) as CheckpointHistory).checkpoints;
    const [earlier, latest] = [all[1]!, all.at(-1)!];
    expect(earlier.tree_size).toBeLessThan(latest.tree_size);
    const path = `/evidence/${receipt.event_id}?tenant_id=${TENANT}`;
    const keys = trust.receiptKeys;
    // Asked for the fork check, a bundle without the proof is not proven: no check failed, consistency skipped.
    const bare = (await (await s.call(path)).json()) as EvidenceBundle;
    expect(bare.consistency).toBeUndefined();
    const unproven = await verifyEvidence(bare, { keys, trusted: earlier.note });
    expect(unproven.ok).toBe(false);
    expect(unproven.checks.consistency).toMatchObject({ status: 'skipped', reason: expect.stringContaining(`from_size=${earlier.tree_size}`) });
    expect((await verifyEvidence(bare, { keys })).ok).toBe(true);
    const carried = (await (await s.call(`${path}&from_size=${earlier.tree_size}`)).json()) as EvidenceBundle;
    expect(carried.consistency).toEqual({ from_size: earlier.tree_size, path_b64url: expect.any(Array) });
    const proven = await verifyEvidence(carried, { keys, trusted: earlier.note });
    expect(proven.checks.consistency).toEqual({ status: 'passed', ok: true });
    expect(proven.ok).toBe(true);
    // A trusted checkpoint of that size with another root: the log forked.
    const forked = await verifyEvidence(carried, { keys, trusted: { size: earlier.tree_size, root: new Uint8Array(32).fill(7) } });
    expect(forked).toMatchObject({ ok: false, checks: { consistency: { status: 'failed' } } });
    // The latest checkpoint's own size and the empty tree prove with an empty path.
    for (const size of [latest.tree_size, 0]) {
      expect(((await (await s.call(`${path}&from_size=${size}`)).json()) as EvidenceBundle).consistency).toEqual({ from_size: size, path_b64url: [] });
    }
    for (const [query, why] of [
      [`from_size=${latest.tree_size + 1}`, /^from_size \d+ is beyond the log's latest checkpoint/],
      ['from_size=01', /^from_size must be a whole number/],
      ['from_size=-1', /^from_size must be a whole number/],
      ['from_size=99999999999999999', /^from_size 99999999999999999 is beyond 2\^53−1/],
      ['from_size=1&from_size=2', /^from_size is given 2 times/],
    ] as const) {
      const response = await s.call(`${path}&${query}`);
      expect(response.status, query).toBe(400);
      const { error } = (await response.json()) as { error: { code: string; field: string; message: string } };
      expect(error).toMatchObject({ code: 'bad_request', field: 'from_size', message: expect.stringMatching(why) });
    }
  });

  test('a query parameter given twice is refused, naming it: a proxy may read the other value', async () => {
    const receipt = await ingest(event());
    for (const route of [
      `/evidence/${receipt.event_id}?tenant_id=${TENANT}&tenant_id=other`,
      `/head?tenant_id=${TENANT}&tenant_id=${TENANT}&period_start=2026-11-28T00:00:00.000Z`,
      '/export?events=false&events=true',
      '/proof/consistency?from=1&to=3&to=2',
      '/checkpoints?from=0&from=1',
    ]) {
      const response = await s.call(route, { key: route.startsWith('/proof') || route.startsWith('/checkpoints') ? null : undefined });
      expect(response.status, route).toBe(400);
      const { error } = (await response.json()) as { error: { code: string; field: string; message: string } };
      expect(error.code, route).toBe('bad_request');
      expect(error.message, route).toMatch(/ is given 2 times; give it once$/);
    }
    // A bad period_start is the same bad_request, naming it (not the time parser's own code).
    const response = await s.call('/head?period_start=2026-11-28T00:00:00Z');
    expect(await response.json()).toEqual({ error: { code: 'bad_request', field: 'period_start', message: expect.stringMatching(/^period_start must be an RFC 3339 UTC time/) } });
  });

  test('tiles: the root log public and immutable, a tenant log for its read keys; /checkpoint is the latest note', async () => {
    const note = await (await s.call('/checkpoint', { key: null })).text();
    const body = parseCheckpoint(note.split('\n\n')[0] + '\n');
    const tile = await s.call(`/tile/0/000.p/${body.size}`, { key: null });
    expect(tile.status).toBe(200);
    expect(tile.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(tile.headers.get('content-type')).toBe('application/octet-stream');
    const source = { read: async (refs: readonly { level: number | 'entries'; index: number; width: number }[]) => Promise.all(refs.map(async (r) => {
      const path = r.width === 256 ? `tile/${r.level}/${String(r.index).padStart(3, '0')}` : `tile/${r.level}/${String(r.index).padStart(3, '0')}.p/${r.width}`;
      parseTilePath(path);
      return new Uint8Array(await (await s.call(`/${path}`, { key: null })).arrayBuffer());
    })) };
    expect(await rootFromTiles(body.size, source)).toEqual(body.root);
    expect(await consistencyFromTiles(1, body.size, source)).toBeDefined();
    const entries = new Uint8Array(await (await s.call(`/tile/entries/000.p/${body.size}`, { key: null })).arrayBuffer());
    expect(entries.length).toBe(34 * body.size);
    expect([entries[0], entries[1]]).toEqual([0, 32]);
    const size = await s.store.logSize(TENANT);
    const tenantTile = await s.call(`/logs/${TENANT}/tile/0/000`);
    expect(tenantTile.status).toBe(200);
    expect(tenantTile.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
    expect((await tenantTile.arrayBuffer()).byteLength).toBe(8192);
    expect((await s.call(`/logs/${TENANT}/tile/0/000`, { key: KEYS.otherRead })).status).toBe(403);
    expect((await s.call(`/logs/${TENANT}/tile/0/000`, { key: null })).status).toBe(401);
    expect((await s.call(`/logs/${TENANT}/tile/entries/000`)).status).toBe(200);
    expect((await s.call(`/logs/${TENANT}/tile/0/999`)).status).toBe(404);
    expect((await s.call(`/logs/${TENANT}/tile/0/x000/001`)).status).toBe(404);
    expect((await s.call(`/tile/9/000.p/1`, { key: null })).status).toBe(404);
    expect(size).toBeGreaterThan(1200);
    const records = await s.store.records(TENANT, 0, 3, 3);
    const bundle = new Uint8Array(await (await s.call(`/logs/${TENANT}/tile/entries/000`)).arrayBuffer());
    expect(bundle.subarray(2, 34)).toEqual(records[0]!.receiptHash);
    expect(receiptStatementOf((await s.store.getRecord(TENANT, records[0]!.statement.event_id))!.statement)).toEqual(records[0]!.statement);
  });
});

describe('keys and health', () => {
  test('vkeys: the ECDSA note key (the receipt key) and the Ed25519 note key, named by the origin', async () => {
    expect(trust.vkeys).toHaveLength(2);
    expect(trust.vkeys[0]).toMatch(new RegExp(`^${ORIGIN.replace('.', '\\.')}\\+[0-9a-f]{8}\\+Aj`)); // 0x02 || SPKI
    expect(trust.vkeys[1]).toMatch(new RegExp(`^${ORIGIN.replace('.', '\\.')}\\+[0-9a-f]{8}\\+A[Q-Za-f]`)); // 0x01 || pub32
  });

  test('JWKS and PEM publish the signing key; its kid is the RFC 7638 thumbprint', async () => {
    const jwks = (await (await s.call('/.well-known/aegislog/keys.json', { key: null })).json()) as { keys: Record<string, string>[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', kid: s.signer.keyId, alg: 'ES256', use: 'sig' });
    expect(jwks.keys[0]!.d).toBeUndefined();
    const pem = await (await s.call(`/keys/${s.signer.keyId}.pem`, { key: null })).text();
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+-----END PUBLIC KEY-----\n$/);
    const fromPem = await importPublicKey(pem);
    expect((Array.isArray(fromPem) ? fromPem[0] : fromPem)!.kid).toBe(s.signer.keyId);
    expect((await s.call('/keys/unknown.pem', { key: null })).status).toBe(404);
  });

  test('/healthz', async () => {
    const health = (await (await s.call('/healthz', { key: null })).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ ok: true, origin: ORIGIN, key_id: s.signer.keyId, period_seconds: 86400, clock: { ok: true } });
  });
});

test('an unexpected failure → 500 with an error id, never a stack trace, and the server stays up', async () => {
  const store = memoryStore();
  const errors: [unknown, string][] = [];
  const broken = { ...store, getRecord: async () => { throw new Error('SECRET internal detail at /srv/db.ts:42'); } };
  const s2 = await start({ store: broken, onError: (error, id) => errors.push([error, id]) });
  try {
    const response = await s2.call('/verify/some-event');
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toMatch(/SECRET|db\.ts|at /);
    const body = JSON.parse(text) as { error: { code: string; error_id: string } };
    expect(body.error.code).toBe('internal');
    expect(errors.map(([, id]) => id)).toEqual([body.error.error_id]);
    expect((await s2.call('/healthz')).status).toBe(200);
  } finally {
    await s2.stop();
  }
});
