// The AI-app demo: a chat page whose every model call is recorded with the
// browser client, fire-and-forget. It shows the queue, the signed receipts,
// and links each receipt into the auditor page.
import { AegisLog, policyHash, type RecordOptions } from '../../src/client/index.js';
import { b64uEncode, type Receipt, type WireEvent } from '../../src/protocol/index.js';
import { byId, h, pill, short } from '../shared/dom.js';
import { MODEL, ask, type ModelAnswer } from './assistant.js';

interface DemoConfig {
  endpoint: string;
  tenant_id: string;
  /** Publishable, append-only: the only kind of key a page may hold. */
  ingest_key: string;
}

const POLICY = { name: 'answer-policy', version: '3' };
const session = { session_id: crypto.randomUUID(), started_at: Math.floor(Date.now() / 1000) };
/** Each event as recorded, so that a receipt can be shown with its event (the digest covers exactly this). */
const recorded = new Map<string, WireEvent>();
let policy = { ...POLICY, hash: '' };
let originalPolicyHash = '';

/** `aegislog dev` serves /demo/config.json; elsewhere the query string can name the API (`?endpoint=&tenant=&key=`). */
async function loadConfig(): Promise<DemoConfig | undefined> {
  const q = new URLSearchParams(location.search);
  if (q.get('endpoint') && q.get('key')) return { endpoint: q.get('endpoint')!, tenant_id: q.get('tenant') ?? 'demo', ingest_key: q.get('key')! };
  try {
    const response = await fetch('../config.json', { cache: 'no-store' });
    if (response.ok) return (await response.json()) as DemoConfig;
  } catch {
    /* no config: explained on the page */
  }
  return undefined;
}

function recordEvent(log: AegisLog, eventType: string, payload: Record<string, unknown>, options: RecordOptions): string {
  // The page names the event's id, trace and time itself, so it knows the exact event each receipt is about.
  const full: RecordOptions = { event_id: crypto.randomUUID(), recorded_at: new Date().toISOString(), ...options };
  full.trace_id ??= full.event_id;
  const id = log.record(eventType, payload, full);
  recorded.set(id, { ...payload, ...full, tenant_id: log.tenantId, event_type: eventType } as WireEvent);
  return id;
}

function recordModelCall(log: AegisLog, prompt: string, answer: ModelAnswer): string {
  return recordEvent(
    log,
    'model_inference',
    { prompt_chars: prompt.length, answer_chars: answer.text.length, channel: 'web-chat' },
    {
      model_context: { ...MODEL },
      policy_context: { policy_name: policy.name, policy_version: policy.version, policy_hash: policy.hash },
      performance_metrics: {
        latency_ms: answer.latencyMs,
        confidence_score: answer.confidence,
        input_tokens: answer.inputTokens,
        output_tokens: answer.outputTokens,
        ...(answer.flags.length ? { anomaly_flags: answer.flags } : {}),
      },
      session_context: { ...session },
      data_provenance: { reference_databases: ['help-centre-2026'], data_version: '7' },
      human_intervention: answer.flags.length ? { required: true, reason: answer.flags.join(', ') } : { required: false },
    },
  );
}

function bubble(role: 'user' | 'assistant', text: string, byline?: string, flagged = false): HTMLElement {
  return h('div', { class: `bubble ${role}${flagged ? ' flagged' : ''}` }, text, byline ? h('span', { class: 'byline' }, byline) : null);
}

/** A flagged answer waits for a reviewer; the decision is itself recorded, on the same trace. */
function reviewBox(log: AegisLog, eventId: string, answer: ModelAnswer): HTMLElement {
  const box = h('div', { class: 'review' }, pill('warn', `Needs human review: ${answer.flags.join(', ')}`));
  const decide = (decision: 'approved' | 'rejected') => {
    const reviewer = byId<HTMLInputElement>('reviewer').value.trim() || 'reviewer';
    recordEvent(log, 'human_review', { reviewed_event_id: eventId, decision }, {
      trace_id: recorded.get(eventId)?.trace_id,
      human_intervention: { required: true, reason: answer.flags.join(', '), reviewer, reviewed_at: Math.floor(Date.now() / 1000) },
      // The policy that required the review, and the model whose answer was reviewed.
      policy_context: { policy_name: policy.name, policy_version: policy.version, policy_hash: policy.hash },
      model_context: { ...MODEL },
      session_context: { ...session },
    });
    box.replaceChildren(pill(decision === 'approved' ? 'ok' : 'fail', `${decision === 'approved' ? 'Approved' : 'Rejected'} by ${reviewer}`));
  };
  box.append(
    h('button', { type: 'button', class: 'secondary', onclick: () => decide('approved') }, 'Approve'),
    h('button', { type: 'button', class: 'secondary', onclick: () => decide('rejected') }, 'Reject'),
  );
  return box;
}

function receiptRow(receipt: Receipt, endpoint: string): HTMLTableRowElement {
  const event = recorded.get(receipt.event_id);
  const bundle = { v: 1, status: 'pending', event, receipt };
  const link = `../auditor/#bundle=${b64uEncode(new TextEncoder().encode(JSON.stringify(bundle)))}&from=${encodeURIComponent(endpoint)}`;
  return h(
    'tr',
    { 'data-event': receipt.event_id },
    h('td', {}, h('b', {}, event?.event_type ?? '?'), h('br'), h('code', { title: receipt.event_id }, short(receipt.event_id, 8))),
    h('td', {}, receipt.received_at.replace('T', ' ').replace('Z', ' UTC')),
    h('td', { class: 'col-digest' }, h('code', { title: receipt.digest_b64url }, short(receipt.digest_b64url, 6))),
    h('td', {}, event ? h('a', { href: link, target: '_blank', rel: 'noopener', 'aria-label': `Open ${receipt.event_id} in the auditor` }, 'Open in auditor ↗') : 'event not in this page'),
  );
}

function showStats(log: AegisLog): void {
  const s = log.stats();
  const cells: [string, number][] = [['queued', s.queued], ['in flight', s.inFlight], ['sent', s.sent], ['retried', s.retried], ['dropped', s.dropped], ['dead letters', s.deadLettered]];
  byId('stats').replaceChildren(...cells.map(([label, value]) => h('div', { class: 'stat' }, h('b', {}, value), h('span', {}, label))));
  byId('queue-store').textContent = log.queue.shared
    ? `Stored in IndexedDB, shared by this site's tabs${log.flushing ? '; this tab is flushing now' : ''}. Reload or close the tab: nothing is lost.`
    : 'IndexedDB is unavailable here: events wait in memory while the page lives.';
}

/** Hashes the policy text as shown; an edited text is a new version, never the same version with another hash. */
async function updatePolicy(): Promise<void> {
  const hash = await policyHash(byId<HTMLTextAreaElement>('policy-text').value);
  originalPolicyHash ||= hash;
  policy = { ...POLICY, version: hash === originalPolicyHash ? POLICY.version : `${POLICY.version}-edited`, hash };
  byId('policy-hash').textContent = hash;
  byId('policy-version').textContent = policy.version;
}

async function main(): Promise<void> {
  byId('policy-name').textContent = POLICY.name;
  await updatePolicy();
  byId('policy-text').addEventListener('input', () => void updatePolicy());
  const config = await loadConfig();
  const status = byId('conn-status');
  if (!config) {
    const setup = byId('setup');
    setup.hidden = false;
    setup.replaceChildren(h('strong', {}, 'No API configured.'), 'Run `npm start` and open this page from the dev server (it serves /demo/config.json), or add ?endpoint=…&tenant=…&key=<ingest key> to the address.');
    status.textContent = 'Not configured';
    return;
  }
  const receipts = byId('receipts');
  const log = new AegisLog({
    endpoint: config.endpoint,
    tenantId: config.tenant_id,
    apiKey: config.ingest_key,
    flushInterval: 2000,
    onReceipt: (receipt) => {
      if (!receipts.querySelector('[data-event]')) receipts.replaceChildren();
      receipts.prepend(receiptRow(receipt, config.endpoint));
    },
    onError: (error) => void (byId('flush-result').textContent = `${error.code}: ${error.message}`),
  });
  status.textContent = `Tenant ${config.tenant_id} · ${new URL(config.endpoint).host}`;
  setInterval(() => showStats(log), 500);
  showStats(log);

  const messages = byId('messages');
  messages.append(bubble('assistant', 'Hello! Ask me about orders, refunds, delivery or your account.', 'demo-assistant'));
  byId('composer').addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = byId<HTMLInputElement>('prompt');
    const prompt = input.value.trim();
    if (!prompt) return;
    input.value = '';
    messages.append(bubble('user', prompt));
    messages.scrollTop = messages.scrollHeight;
    const answer = await ask(prompt);
    const eventId = recordModelCall(log, prompt, answer);
    const flagged = answer.flags.length > 0;
    const line = `${MODEL.model_id} · ${answer.latencyMs} ms · confidence ${answer.confidence.toFixed(2)} · recorded ${short(eventId, 4)}`;
    const reply = bubble('assistant', answer.text, line, flagged);
    if (flagged) reply.append(reviewBox(log, eventId, answer));
    messages.append(reply);
    messages.scrollTop = messages.scrollHeight;
  });
  byId('flush').addEventListener('click', async () => {
    const result = await log.flush();
    byId('flush-result').textContent = result.lockedElsewhere ? 'Another tab is flushing this queue.' : `Sent ${result.sent}; ${result.remaining} waiting.`;
    showStats(log);
  });
}

void main();
