import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { canonicalBytes, checkpointStatementOf } from '../../src/protocol/index.js';
import type { CheckpointV1, EvidenceBundleV1, Receipt } from '../../src/protocol/index.js';
import { memoryStore } from '../../src/server/index.js';
import { importPublicKey, verifyEvidence, verifySignature } from '../../src/verify/index.js';
import { KEYS, TENANT, clock, event, start } from './helpers.js';
import type { Running } from './helpers.js';

const BOUNDARY = Date.UTC(2026, 10, 28, 0, 0, 0);
const c = clock(BOUNDARY + 3_600_000);
let s: Running;
let pinned: Awaited<ReturnType<typeof importPublicKey>>;

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
  // The auditor's key, pinned out of band: taken from the signer, not from the server's JWKS.
  pinned = await importPublicKey(await s.signer.publicJwk());
});
afterAll(() => s.stop());

describe('GET /evidence and /verify', () => {
  test('a pending bundle over HTTP verifies with the offline verifier (digest and receipt signature only)', async () => {
    const receipt = await ingest(event());
    const bundle = (await (await s.call(`/evidence/${receipt.event_id}`)).json()) as EvidenceBundleV1;
    expect(bundle.status).toBe('pending');
    expect(bundle.checkpoint).toBeUndefined();
    const report = await verifyEvidence(bundle, { keys: pinned });
    expect(report.ok).toBe(true);
    expect(Object.keys(report.checks).sort()).toEqual(['digest', 'receipt_signature']);
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
    const verified = (await (await s.call(path)).json()) as Record<string, any>; // this request seals the ended day first
    expect(verified.status).toBe('verified');
    expect(verified.event.event_id).toBe(receipt.event_id);
    expect(verified.cryptographic_proof.kms_signature_valid).toBe(true);
    expect(typeof verified.merkle_linkage.global_root_hash).toBe('string');
    expect(verified.merkle_linkage).toMatchObject({ period_start: new Date(BOUNDARY).toISOString(), checkpoint_signature_valid: true });
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
    const sealed = (await (await s.call(`/evidence/${receipt.event_id}`)).json()) as EvidenceBundleV1;
    expect(sealed.status).toBe('sealed');
    const report = await verifyEvidence(sealed, { keys: pinned });
    expect(report).toMatchObject({ ok: true, status: 'sealed' });
    expect(Object.keys(report.checks).sort()).toEqual(['checkpoint_signature', 'digest', 'inclusion', 'period', 'receipt_signature', 'tenant_inclusion']);
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

describe('GET /export, /checkpoints, /head', () => {
  test('/export streams the open period as NDJSON in leaf order, across pages', async () => {
    c.advance(1); // a receipt at the very instant of a seal belongs to the next period: [start, end)
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
    const lines = (await response.text()).trimEnd().split('\n').map((l) => JSON.parse(l) as Receipt);
    expect(lines.map((r) => r.event_id)).toEqual(events.map((e) => e.event_id));
    const sorted = [...lines].sort((a, b) => (a.received_at < b.received_at ? -1 : a.received_at > b.received_at ? 1 : a.event_id < b.event_id ? -1 : 1));
    expect(sorted).toEqual(lines);
  });

  test('/export of a sealed period; an unknown period → 404; a malformed one → 400', async () => {
    const [cp] = await s.server.sealNow();
    const response = await s.call(`/export?period_start=${cp!.period_start}`);
    expect(response.headers.get('aegislog-period-end')).toBe(cp!.period_end);
    expect((await response.text()).trimEnd().split('\n')).toHaveLength(1200);
    expect((await s.call('/export?period_start=2020-01-01T00:00:00.000Z')).status).toBe(404);
    expect((await s.call('/export?period_start=yesterday')).status).toBe(400);
  });

  test('/checkpoints: signed, oldest first, from/to/limit', async () => {
    const all = ((await (await s.call('/checkpoints')).json()) as { checkpoints: CheckpointV1[] }).checkpoints;
    expect(all.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < all.length; i++) expect(all[i]!.period_start).toBe(all[i - 1]!.period_end);
    for (const cp of all) {
      expect(await verifySignature({ key: pinned, signature: cp.signature_b64url, message: canonicalBytes(checkpointStatementOf(cp)) })).toBe(true);
    }
    const later = ((await (await s.call(`/checkpoints?from=${all[1]!.period_end}`)).json()) as { checkpoints: CheckpointV1[] }).checkpoints;
    expect(later).toEqual(all.slice(2));
    const early = ((await (await s.call(`/checkpoints?to=${all[1]!.period_start}&limit=1`)).json()) as { checkpoints: CheckpointV1[] }).checkpoints;
    expect(early).toEqual(all.slice(0, 1));
    expect((await s.call('/checkpoints?limit=0')).status).toBe(400);
    expect((await s.call('/checkpoints?from=soon')).status).toBe(400);
    expect((await s.call('/checkpoints', { key: KEYS.ingest })).status).toBe(403);
  });

  test('/head: the tenant head with its inclusion in the checkpoint', async () => {
    const [first] = ((await (await s.call('/checkpoints')).json()) as { checkpoints: CheckpointV1[] }).checkpoints;
    const answer = (await (await s.call(`/head?period_start=${first!.period_start}`)).json()) as Record<string, any>;
    expect(answer.tenant_head).toMatchObject({ tenant_id: TENANT, period_start: first!.period_start });
    expect(answer.checkpoint).toEqual(first);
    expect(answer.tenant_inclusion).toMatchObject({ leaf_index: 0, tree_size: first!.tree_size });
    expect((await s.call(`/head?period_start=${first!.period_start}`, { key: KEYS.otherRead })).status).toBe(404);
    expect((await s.call('/head')).status).toBe(400);
  });
});

describe('keys and health', () => {
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
    expect(health).toMatchObject({ ok: true, key_id: s.signer.keyId, period_seconds: 86400 });
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
