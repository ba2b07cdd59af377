// Real version-2 evidence from the reference server for the auditor and verifier
// tests: events ingested over HTTP, two periods sealed with POST /admin/seal, then
// the bundles, the checkpoint history, the first period's export and the log's
// keys as an auditor gets them (the policy is the log's vkeys with quorum none).
import type { CheckpointHistory, EvidenceBundle } from '../../src/protocol/index.js';
import type { ApiServer } from './api-server.js';

export interface EvidenceSet {
  bundles: EvidenceBundle[];
  /** GET /checkpoints: the log's history with consistency proofs. */
  history: CheckpointHistory;
  /** The first sealed period's export (GET /export?tenant_id=&period_start=), with its events. */
  exportNdjson: string;
  /** The log's note keys (GET /.well-known/aegislog/vkeys) as a tlog-policy, quorum none. */
  policy: string;
  /** The receipt key, SPKI PEM (GET /keys/{kid}.pem): the log's ECDSA note key too. */
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

async function text(response: Promise<Response>): Promise<string> {
  const r = await response;
  if (!r.ok) throw new Error(`${r.url} answered ${r.status}: ${await r.text()}`);
  return r.text();
}

/** Two sealed periods (first: `firstPeriod` events, second: 2 events) and their evidence. */
export async function makeEvidence(api: ApiServer, firstPeriod = 6): Promise<EvidenceSet> {
  const first = Array.from({ length: firstPeriod }, (_, i) => modelCallEvent(api, i));
  await ingest(api, first);
  await api.seal();
  const second = [modelCallEvent(api, 100), modelCallEvent(api, 101)];
  await ingest(api, second);
  await api.seal();
  const bundles: EvidenceBundle[] = [];
  for (const event of [...first, ...second]) {
    bundles.push(await json<EvidenceBundle>(api.get(`/evidence/${event.event_id as string}?tenant_id=${api.tenantId}`)));
  }
  const history = await json<CheckpointHistory>(api.get('/checkpoints'));
  const periodStart = bundles[0]!.tenant_head!.period_start;
  const exportNdjson = await text(api.get(`/export?tenant_id=${api.tenantId}&period_start=${encodeURIComponent(periodStart)}&events=true`));
  const vkeys = await text(fetch(`${api.url}/.well-known/aegislog/vkeys`));
  const policy = `${vkeys.trim().split('\n').map((vkey) => `log ${vkey}`).join('\n')}\nquorum none\n`;
  const kid = bundles[0]!.receipt.key_id;
  const pem = await text(fetch(`${api.url}/keys/${encodeURIComponent(kid)}.pem`));
  return { bundles, history, exportNdjson, policy, pem, jwksUrl: `${api.url}/.well-known/aegislog/keys.json` };
}

/** The same time with other milliseconds (same second, so it stays inside its period): a re-dated receipt. */
export function redate(time: string): string {
  return time.replace(/\.(\d{3})Z$/, (_, ms: string) => `.${String((Number(ms) + 1) % 1000).padStart(3, '0')}Z`);
}
