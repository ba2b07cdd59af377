// The AI-app demo: a chat page that calls its model through the Vercel AI SDK, with the AegisLog
// middleware recording every model call (fire-and-forget, through the browser client). It shows the
// queue, the signed receipts, and links each receipt into the auditor page.
import { streamText, wrapLanguageModel } from 'ai';
import { aegislogMiddleware, type AiCall } from '../../src/ai/index.js';
import { AegisLog, policyHash, type RecordOptions } from '../../src/client/index.js';
import { indexedDBQueue, type QueueEntry, type QueueStore } from '../../src/queue/index.js';
import { b64uEncode, type Receipt, type WireEvent } from '../../src/protocol/index.js';
import { byId, h, pill, short } from '../shared/dom.js';
import { MODEL, assess, demoModel, promptText, type Assessment } from './assistant.js';

interface DemoConfig {
  endpoint: string;
  tenant_id: string;
  /** Publishable, append-only: the only kind of key a page may hold. */
  ingest_key: string;
}

const POLICY = { name: 'answer-policy', version: '3' };
const session = { session_id: crypto.randomUUID(), started_at: Math.floor(Date.now() / 1000) };
/** Each event as the client wrote it to its queue, so that a receipt can be shown with its event (the digest covers exactly this). */
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
  // The page names the event's id and trace itself, so that a review can point at the call it is about.
  const id = crypto.randomUUID();
  return log.record(eventType, payload, { event_id: id, trace_id: id, ...options });
}

/**
 * The queue the client would choose in a page (IndexedDB, one per endpoint and tenant), watched: each
 * event is kept as the client writes it, numbered (`client_id`, `client_seq`), which is what the server
 * signs a digest of, so that a receipt's auditor link carries that very event.
 */
function watchedQueue(inner: QueueStore): QueueStore {
  const keep = (entries: QueueEntry[]) => {
    for (const e of entries) recorded.set(e.event_id, JSON.parse(e.body) as WireEvent);
    return entries;
  };
  return {
    name: inner.name,
    // Read through, not copied once: the IndexedDB queue stops being shared when it falls back to memory, and the
    // page then said "nothing is lost" of events a reload would lose.
    get shared() {
      return inner.shared;
    },
    append: (plan) => inner.append((state) => keep(plan(state))),
    // With the keys it replaces: a dead letter takes its queue entry's place in one write (left out, a delete that
    // then failed left the event both dead and queued, sent again by the next page).
    put: (entries, replacing) => inner.put(entries, replacing),
    list: (prefix, limit) => inner.list(prefix, limit),
    delete: (keys) => inner.delete(keys),
    count: (prefix) => inner.count(prefix),
  };
}

/**
 * The model, wrapped: every call through it is recorded by the middleware, with the policy in force, the
 * session, the reference data, and the model's own confidence and review flags. Sizes and token counts,
 * not the text: no prompt or answer leaves the page.
 */
function evidenceModel(log: AegisLog) {
  const scored = (call: AiCall): Assessment => assess(promptText((call.request as { prompt?: unknown }).prompt));
  return wrapLanguageModel({
    model: demoModel,
    middleware: aegislogMiddleware({
      log,
      model_context: { model_version: MODEL.model_version, deployment_id: MODEL.deployment_id },
      policy_context: () => ({ policy_name: policy.name, policy_version: policy.version, policy_hash: policy.hash }),
      session_context: { ...session },
      data_provenance: { reference_databases: ['help-centre-2026'], data_version: '7' },
      performance_metrics: (call) => {
        const { confidence, flags } = scored(call);
        return { confidence_score: confidence, ...(flags.length ? { anomaly_flags: flags } : {}) };
      },
      human_intervention: (call) => {
        const { flags } = scored(call);
        return flags.length ? { required: true, reason: flags.join(', ') } : { required: false };
      },
    }),
  });
}

function bubble(role: 'user' | 'assistant', text: string, byline?: string, flagged = false): HTMLElement {
  return h('div', { class: `bubble ${role}${flagged ? ' flagged' : ''}` }, text, byline ? h('span', { class: 'byline' }, byline) : null);
}

/** A flagged answer waits for a reviewer; the decision is itself recorded, on the same trace. */
function reviewBox(log: AegisLog, eventId: string, answer: Assessment): HTMLElement {
  const box = h('div', { class: 'review' }, pill('warn', `Needs human review: ${answer.flags.join(', ')}`));
  const decide = (decision: 'approved' | 'rejected') => {
    const reviewer = byId<HTMLInputElement>('reviewer').value.trim() || 'reviewer';
    recordEvent(log, 'human_review', { reviewed_event_id: eventId, decision }, {
      // The call's trace is its event id, as the page named it: not read back from the queue, which may not hold
      // the call's event yet (its write waits behind another tab's), and an undefined trace_id made the review its own.
      trace_id: eventId,
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
  // A pending version-2 bundle (PROTOCOL.md §6.1), as GET /evidence answers before the seal: the receipt's checks only.
  const bundle = { v: 2, status: 'pending', event, receipt };
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

/**
 * Hashes the policy text as shown; an edited text is a new version, never the same version with another hash: each
 * text its own (`3-edited-<first hex digits of its hash>`), since two edits under one "3-edited" were two hashes.
 */
async function updatePolicy(): Promise<void> {
  const hash = await policyHash(byId<HTMLTextAreaElement>('policy-text').value);
  originalPolicyHash ||= hash;
  policy = { ...POLICY, version: hash === originalPolicyHash ? POLICY.version : `${POLICY.version}-edited-${hash.replace(/^sha256:/, '').slice(0, 12)}`, hash };
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
    queue: watchedQueue(indexedDBQueue({ name: `aegislog:${config.tenant_id}@${config.endpoint.replace(/\/+$/, '')}` })),
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

  const model = evidenceModel(log);
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
    // The page names the call's event id and trace itself, so that a review can point at this call.
    const eventId = crypto.randomUUID();
    const started = performance.now();
    const reply = bubble('assistant', '…');
    messages.append(reply);
    const result = streamText({
      model,
      prompt,
      providerOptions: { aegislog: { event_id: eventId, trace_id: eventId } },
    });
    let text = '';
    for await (const delta of result.textStream) {
      text += delta;
      reply.firstChild!.textContent = text;
      messages.scrollTop = messages.scrollHeight;
    }
    const answer = assess(prompt);
    const flagged = answer.flags.length > 0;
    const line = `${MODEL.model_id} · ${Math.round(performance.now() - started)} ms · confidence ${answer.confidence.toFixed(2)} · recorded ${short(eventId, 4)}`;
    reply.replaceWith(bubble('assistant', text, line, flagged));
    const shown = messages.lastElementChild as HTMLElement;
    if (flagged) shown.append(reviewBox(log, eventId, answer));
    messages.scrollTop = messages.scrollHeight;
  });
  byId('flush').addEventListener('click', async () => {
    const result = await log.flush();
    byId('flush-result').textContent = result.lockedElsewhere ? 'Another tab is flushing this queue.' : `Sent ${result.sent}; ${result.remaining} waiting.`;
    showStats(log);
  });
}

void main();
