// Real evidence from the reference server for the auditor and verifier tests:
// events ingested over HTTP, two periods sealed with POST /admin/seal, then the
// bundles, the checkpoints and the first period's export as an auditor gets them.
import type { CheckpointV1, EvidenceBundleV1 } from '../../src/protocol/index.js';
import type { ApiServer } from './api-server.js';

export interface EvidenceSet {
  bundles: EvidenceBundleV1[];
  checkpoints: CheckpointV1[];
  /** NDJSON of the first sealed period's receipts (GET /export?period_start=). */
  exportNdjson: string;
  /** That period's tenant head with its proof (GET /head). */
  headProof: unknown;
  pem: string;
  jwksUrl: string;
}

const POLICY_HASH = `sha256:${'ab'.repeat(32)}`;

/** A model call as the chat demo records it; every third one flagged and reviewed by a human. */
export function modelCallEvent(api: ApiServer, i: number): Record<string, unknown> {
  const flagged = i % 3 === 2;
  return {
    tenant_id: api.tenantId,
    event_type: 'model_inference',
    event_id: `e2e-evt-${i}-${crypto.randomUUID()}`,
    model_context: { model_id: 'demo-llm', model_version: '2026-05', model_type: 'chat' },
    policy_context: { policy_name: 'answer-policy', policy_version: '3', policy_hash: POLICY_HASH },
    session_context: { session_id: 'sess-e2e', started_at: 1_780_000_000 },
    data_provenance: { reference_databases: ['kb-2026'], data_version: '7' },
    performance_metrics: { latency_ms: 120 + i, confidence_score: flagged ? 0.41 : 0.93, input_tokens: 40, output_tokens: 80 },
    human_intervention: flagged ? { required: true, reason: 'low confidence', reviewer: 'reviewer@example.org', reviewed_at: 1_780_000_100 } : { required: false },
    prompt_chars: 42,
  };
}

export async function ingest(api: ApiServer, events: Record<string, unknown>[]): Promise<void> {
  const response = await fetch(`${api.url}/ingest/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': api.ingestKey },
    body: JSON.stringify({ events }),
  });
  const answer = (await response.json()) as { receipts?: unknown[]; errors?: unknown[] };
  if (!response.ok || answer.errors?.length) throw new Error(`ingest failed: ${response.status} ${JSON.stringify(answer)}`);
}

async function json<T>(response: Promise<Response>): Promise<T> {
  const r = await response;
  if (!r.ok) throw new Error(`${r.url} answered ${r.status}: ${await r.text()}`);
  return (await r.json()) as T;
}

/** Two sealed periods (first: `firstPeriod` events, second: 2 events) and their evidence. */
export async function makeEvidence(api: ApiServer, firstPeriod = 6): Promise<EvidenceSet> {
  const first = Array.from({ length: firstPeriod }, (_, i) => modelCallEvent(api, i));
  await ingest(api, first);
  await api.seal();
  const second = [modelCallEvent(api, 100), modelCallEvent(api, 101)];
  await ingest(api, second);
  await api.seal();
  const bundles: EvidenceBundleV1[] = [];
  for (const event of [...first, ...second]) {
    bundles.push(await json<EvidenceBundleV1>(api.get(`/evidence/${event.event_id as string}?tenant_id=${api.tenantId}`)));
  }
  const { checkpoints } = await json<{ checkpoints: CheckpointV1[] }>(api.get('/checkpoints'));
  const periodStart = bundles[0]!.checkpoint!.period_start;
  const period = `tenant_id=${api.tenantId}&period_start=${encodeURIComponent(periodStart)}`;
  const exported = await api.get(`/export?${period}`);
  const headProof = await json<unknown>(api.get(`/head?${period}`));
  const kid = bundles[0]!.receipt.key_id;
  const pem = await (await fetch(`${api.url}/keys/${encodeURIComponent(kid)}.pem`)).text();
  return { bundles, checkpoints, exportNdjson: await exported.text(), headProof, pem, jwksUrl: `${api.url}/.well-known/aegislog/keys.json` };
}

/** The same time with other milliseconds (same second, so it stays inside its period): a re-dated receipt. */
export function redate(time: string): string {
  return time.replace(/\.(\d{3})Z$/, (_, ms: string) => `.${String((Number(ms) + 1) % 1000).padStart(3, '0')}Z`);
}
