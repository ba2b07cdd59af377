/**
 * Human oversight in code (EU AI Act Art. 14): a person approving or denying an AI SDK tool call
 * (`tool({ needsApproval: true })`, ai@6 and ai@7). The model asks with a `tool-approval-request` part; the app
 * answers with a `tool` message of `tool-approval-response` parts and calls `generateText`/`streamText` again,
 * which runs the approved tools and tells the model of the denied ones. One event per decision, from the messages
 * that call is given: automatically in `aegislogTelemetry` (ai@7, as the call starts), or by
 * `recordToolApprovals(log, messages)` (ai@6, or no telemetry). Nothing of `ai` is imported.
 */
import type { RecordOptions } from '../client/event.js';
import { AegisLogError, AegisLogValidationError } from '../protocol/errors.js';
import type { HumanIntervention, PolicyContext, SessionContext } from '../schema/zod.js';
import type { DigestKey } from './digest.js';
import { CONTEXT_STRING_CHARS, EVENT_TYPE_CHARS } from '../schema/rules.js';
import type { AiEvent, AiLog, AiOptions } from './options.js';
import { aiDigest, check, clean, kept, reporter, track } from './record.js';

/** The event type of a decision unless the options name another: the wire's snake_case, as `model_inference`. */
export const TOOL_APPROVAL = 'tool_approval';

/** One person's decision on one tool call, with the call it answers (from the assistant message that made it). */
export interface ToolApprovalDecision {
  /** The AI SDK's approval request's id (the Agents SDK has none). */
  approvalId?: string;
  toolCallId: string;
  toolName: string;
  /** The Agents SDK's agent whose tool call it is. */
  agentName?: string;
  /** The tool's input, as the model gave it: what an approved tool runs with. */
  input: unknown;
  approved: boolean;
  reason?: string;
}

/** `recordToolApprovals`' options: the events' type, digests, and the contexts each event carries. */
export interface ToolApprovalOptions {
  /** Default `"tool_approval"`. */
  eventType?: string;
  /** The operator's key for `input_digest`, the keyed digest of the tool's input (see `aiDigest`). */
  digestKey?: DigestKey;
  /** Recorded as `digest_key_id`, so that digests made under a rotated key can be told apart. */
  digestKeyId?: string;
  /** `recordSync()` instead of `record()`: each event sent at once and its receipt checked. */
  sync?: boolean;
  /** Under each decision's `required: true` and its `reason`: the person who decided (`reviewer`), `reviewed_at`. */
  human_intervention?: Omit<HumanIntervention, 'required'>;
  /** The app's session, as for the model-call events. */
  session_context?: SessionContext;
  /** The policy under which the person decided. */
  policy_context?: PolicyContext;
  /** The trace the decisions belong to (by default each event has its own). */
  trace_id?: string;
}

/** A refusal of what the app passed, naming the field (also recordAgentApprovals'). */
export const invalid = (field: string, message: string) => new AegisLogValidationError('ERR_SCHEMA_INVALID', `${field} ${message}`, field);

type Part = Record<string, any>;
const partsOf = (message: unknown): Part[] => {
  const content = (message as { content?: unknown } | null)?.content;
  return Array.isArray(content) ? content.filter((p): p is Part => !!p && typeof p === 'object') : [];
};

/**
 * The decisions the SDK acts on when it is given `messages` (model messages), by its own rule
 * (`collectToolApprovals`, ai@6 and ai@7): only the responses in a trailing `tool` message, each answering a
 * request of an assistant message whose tool call has no result yet (ai@7 also takes a denial whose result is its
 * own `execution-denied`, as `convertToModelMessages` writes a denial), one per tool call. So a decision kept in the
 * history of later calls is not taken again. Requests the SDK's `toolApproval` policy answered itself (ai@7's
 * `isAutomatic`) are no person's decision, and are left out. Other parts are ignored. Throws ERR_SCHEMA_INVALID,
 * naming the part, where the SDK would throw too: a response that answers no request, or whose tool call is missing.
 */
export function toolApprovalDecisions(messages: unknown): ToolApprovalDecision[] {
  if (!Array.isArray(messages)) throw invalid('messages', 'must be an array of model messages');
  const last = messages.length - 1;
  if ((messages[last] as { role?: unknown } | null)?.role !== 'tool') return [];
  // Maps, not objects: an id such as "__proto__" stays an id.
  const calls = new Map<unknown, Part>();
  const requests = new Map<unknown, Part>();
  for (const message of messages) {
    if ((message as { role?: unknown } | null)?.role !== 'assistant') continue;
    for (const part of partsOf(message)) {
      if (part.type === 'tool-call') calls.set(part.toolCallId, part);
      else if (part.type === 'tool-approval-request') requests.set(part.approvalId, part);
    }
  }
  const answers = partsOf(messages[last]);
  const results = new Map(answers.filter((p) => p.type === 'tool-result').map((p) => [p.toolCallId, p]));
  const decided = new Set<unknown>();
  const decisions: ToolApprovalDecision[] = [];
  (messages[last] as { content: unknown[] }).content.forEach((response: any, i) => {
    if (response?.type !== 'tool-approval-response') return;
    const at = `messages[${last}].content[${i}]`;
    if (typeof response.approved !== 'boolean') throw invalid(`${at}.approved`, 'must be a boolean');
    if (response.reason != null && typeof response.reason !== 'string') throw invalid(`${at}.reason`, 'must be a string');
    const request = requests.get(response.approvalId);
    if (!request) throw invalid(`${at}.approvalId`, 'answers no tool-approval-request of an assistant message');
    if (request.isAutomatic === true) return;
    const result = results.get(request.toolCallId);
    if (result && (response.approved || result.output?.type !== 'execution-denied')) return;
    const call = calls.get(request.toolCallId);
    if (!call) throw invalid(`${at}.approvalId`, 'answers a request whose tool call is in no assistant message');
    if (decided.has(call.toolCallId)) return;
    decided.add(call.toolCallId);
    decisions.push({
      approvalId: response.approvalId,
      toolCallId: call.toolCallId,
      toolName: call.toolName,
      input: call.input,
      approved: response.approved,
      ...(response.reason != null ? { reason: response.reason } : {}),
    });
  });
  return decisions;
}

/** What the events of a set of decisions are recorded with. */
interface Recording extends ToolApprovalOptions {
  log: AiLog;
  onRecorded?: AiOptions['onRecorded'];
  /** The SDK the decisions were made in: `ai-sdk` unless given. */
  integration?: string;
  /** Told as each decision's event is handed to the log (in decision order), before `onRecorded`. */
  recordedOne?: () => void;
}

/**
 * One event per decision, in their order, once their digests are computed (the digest chunk's `aiDigest`, as
 * every event's). Resolves to the event ids; rejects with the first failure (a digest, the client's checks).
 */
async function recordDecisions(decisions: ToolApprovalDecision[], r: Recording): Promise<string[]> {
  const key = r.digestKey;
  // No input (an Agents SDK tool call of a kind without arguments): no digest.
  const digests = key ? await Promise.all(decisions.map((d) => (d.input === undefined ? undefined : aiDigest(d.input, key)))) : [];
  const contexts = Object.fromEntries(Object.entries({ session_context: r.session_context, policy_context: r.policy_context, trace_id: r.trace_id }).filter(([, v]) => v != null));
  const ids: string[] = [];
  for (const [i, d] of decisions.entries()) {
    const event: AiEvent = {
      eventType: r.eventType ?? TOOL_APPROVAL,
      payload: clean({
        integration: r.integration ?? 'ai-sdk',
        approval_id: d.approvalId,
        tool_call_id: d.toolCallId,
        tool_name: d.toolName,
        agent_name: d.agentName,
        approved: d.approved,
        reason: d.reason,
        input_digest: digests[i],
        digest_key_id: digests[i] && r.digestKeyId,
      }),
      // The decision's reason over one the options give for every decision: whole in the payload, cut in the context
      // (the client refuses a longer one, and with it the whole event).
      options: { ...contexts, human_intervention: clean({ ...r.human_intervention, required: true, reason: cut(d.reason) ?? r.human_intervention?.reason }) } as RecordOptions,
    };
    if (r.sync) {
      const receipt = await r.log.recordSync!(event.eventType, event.payload, event.options);
      ids.push(receipt.event_id);
      r.recordedOne?.();
      r.onRecorded?.({ eventId: receipt.event_id, event, receipt });
    } else {
      const eventId = r.log.record(event.eventType, event.payload, event.options);
      ids.push(eventId);
      r.recordedOne?.();
      r.onRecorded?.({ eventId, event });
    }
  }
  return ids;
}

/** The text cut to the characters a context's text may hold, never between the halves of a surrogate pair. */
function cut(text: string | undefined): string | undefined {
  const short = text?.slice(0, CONTEXT_STRING_CHARS);
  return short && short.length < text!.length && /[\uD800-\uDBFF]$/.test(short) ? short.slice(0, -1) : short;
}

/** Waits `aiFlush(log)` for `pending` too; never rejects. */
function keep(log: AiLog, pending: Promise<unknown>): void {
  kept.set(Object(log), Promise.all([kept.get(log), pending.catch(() => undefined)]));
}

/**
 * Records one event per person's decision on a tool call that the AI SDK acts on when given `messages` (the model
 * messages the app passes to `generateText`/`streamText`, the trailing `tool` message holding its
 * `tool-approval-response` parts): for ai@6, or apps without `aegislogTelemetry`. Call it with the messages of
 * each call; decisions already acted on in an earlier call are not recorded again. Resolves to the event ids.
 * Rejects with ERR_CONFIG (a bad option, named) or ERR_SCHEMA_INVALID (a response that answers no request, named
 * by its place), then recording nothing.
 */
export async function recordToolApprovals(log: AiLog, messages: unknown, options: ToolApprovalOptions = {}): Promise<string[]> {
  return recordApprovals(log, options, 'ai-sdk', () => toolApprovalDecisions(messages));
}

/**
 * recordToolApprovals' work, and recordAgentApprovals': the options checked (ERR_CONFIG), then the decisions read
 * (their errors reject, nothing recorded), then their events recorded and kept for `aiFlush`.
 */
export async function recordApprovals(log: AiLog, options: ToolApprovalOptions, integration: string, decisions: () => ToolApprovalDecision[], recordedOne?: () => void): Promise<string[]> {
  const { eventType, digestKey, digestKeyId, sync } = Object(options) as ToolApprovalOptions;
  check({ log, eventType, digestKey, digestKeyId, sync });
  const recording = recordDecisions(decisions(), { ...options, log, integration, recordedOne });
  keep(log, recording);
  return recording;
}

/** What the telemetry reads of a `generateText`/`streamText` call as it starts. */
export interface ApprovalCallStart {
  /** `ai.generateText` or `ai.streamText`; other operations do not act on approvals. */
  operationId?: string;
  messages?: unknown;
  /** `providerOptions.aegislog`: the call's own contexts (`session_context`, `human_intervention.reviewer`…). */
  providerOptions?: unknown;
}

/**
 * For `aegislogTelemetry`: records the decisions a call starts with. The options' contexts that are values apply
 * (functions are of a model call, which this is not), under those the call carries in `providerOptions.aegislog`.
 * Never throws: a failure goes to `onError`, and the SDK, which checks the same messages, fails the call itself.
 */
export function approvalRecorder(options: AiOptions): (event: ApprovalCallStart) => void {
  const eventType = options.approvalEventType ?? TOOL_APPROVAL;
  if (typeof eventType !== 'string' || !eventType || [...eventType].length > EVENT_TYPE_CHARS) throw new AegisLogError('ERR_CONFIG', 'approvalEventType is not valid: see the options in docs/ai.md', { field: 'approvalEventType' });
  const value = <T>(v: T) => (typeof v === 'function' ? undefined : (v as Exclude<T, Function>));
  const report = reporter(options, eventType, 'aegislog ai: tool approval not recorded');
  return (event) => {
    // The calls that act on approvals (generateObject's messages may hold them too, unused).
    if (!/^ai\.(generate|stream)Text$/.test(String(event.operationId))) return;
    try {
      const decisions = toolApprovalDecisions(event.messages ?? []);
      if (!decisions.length) return;
      const carried = (Object(event.providerOptions) as { aegislog?: RecordOptions }).aegislog ?? {};
      const recording = recordDecisions(decisions, {
        ...options,
        eventType,
        session_context: carried.session_context ?? value(options.session_context),
        policy_context: carried.policy_context ?? value(options.policy_context),
        trace_id: carried.trace_id ?? value(options.trace_id),
        human_intervention: { ...value(options.human_intervention), ...carried.human_intervention },
      });
      // Kept for aiFlush, and handed to waitUntil as each model call is: an edge function stays until they are recorded.
      const done = track(options);
      keep(options.log, recording.catch(report).finally(() => done?.()));
    } catch (error) {
      report(error);
    }
  };
}
