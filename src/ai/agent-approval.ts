/**
 * Human oversight in code (EU AI Act Art. 14) in the OpenAI Agents SDK (`@openai/agents`): a tool that needs a
 * person's approval (`tool({ needsApproval: true })`) pauses the run; `result.interruptions` holds the calls
 * waiting, the app decides each with `result.state.approve(item)` or `result.state.reject(item, { message })`, then
 * resumes with `run(agent, result.state)`. `recordAgentApprovals(log, state)`, called between the decisions and the
 * resume, records one `tool_approval` event per decision, as recordToolApprovals does for the AI SDK (same options,
 * same event). Nothing of `@openai/agents` is imported: the types below are the parts of its RunState read here.
 */
import type { AiLog } from './options.js';
import { invalid, recordApprovals, type ToolApprovalDecision, type ToolApprovalOptions } from './tool-approval.js';

/** A `RunToolApprovalItem`: the tool call waiting (a function call's `name`, `callId` and `arguments`) and its agent. */
export interface AgentApprovalItemLike {
  rawItem?: { name?: unknown; callId?: unknown; arguments?: unknown };
  /** Set by the SDK where the raw item names no tool. */
  toolName?: unknown;
  agent?: { name?: unknown };
}

/** The parts of a `RunState` (`result.state`) read here. */
export interface RunStateLike {
  getInterruptions(): AgentApprovalItemLike[];
  _context: {
    isToolApproved(approval: { toolName: string; callId: string }): boolean | undefined;
    getRejectionMessage?(toolName: string, callId: string): string | undefined;
  };
}

/** The decisions already recorded, per state object: `agent\0tool\0call id`. */
const recorded = new WeakMap<object, Set<string>>();

/**
 * The person's decisions on the state's interruptions, in their order; those not yet decided are left out. Read
 * from the SDK itself rather than from the items the app handed to approve/reject: `state.getInterruptions()` (what
 * `result.interruptions` returns) and the run context's `isToolApproved` and `getRejectionMessage`, the methods its
 * typings make public and the runner itself asks before running a tool. The context is `state._context`, which is
 * what `result.runContext` returns (the SDK's own getter reads it so); the approval records themselves are private
 * fields, and their serialised form is keyed by the SDK's internal state keys. So a state restored with
 * `RunState.fromString` answers as the live one does.
 */
function agentApprovalDecisions(state: unknown): ToolApprovalDecision[] {
  const s = state as RunStateLike | null;
  if (!s || typeof s !== 'object') throw invalid('state', 'must be a RunState of @openai/agents (result.state)');
  if (typeof s.getInterruptions !== 'function') throw invalid('state.getInterruptions', 'must be a function (a RunState of @openai/agents)');
  const context = s._context;
  if (typeof context?.isToolApproved !== 'function') throw invalid('state._context', 'must be the run context of a RunState of @openai/agents');
  const items = s.getInterruptions();
  if (!Array.isArray(items)) throw invalid('state.getInterruptions', 'must return an array');
  const decisions: ToolApprovalDecision[] = [];
  items.forEach((item, i) => {
    const raw = item?.rawItem;
    const at = `state.getInterruptions()[${i}]`;
    const toolName = item?.toolName ?? raw?.name;
    if (typeof toolName !== 'string') throw invalid(`${at}.rawItem.name`, 'must be a string');
    const callId = raw?.callId;
    if (typeof callId !== 'string') throw invalid(`${at}.rawItem.callId`, 'must be a string');
    const approved = context.isToolApproved({ toolName, callId });
    if (typeof approved !== 'boolean') return;
    const agentName = item.agent?.name;
    const reason = approved ? undefined : context.getRejectionMessage?.(toolName, callId);
    decisions.push({
      toolCallId: callId,
      toolName,
      ...(typeof agentName === 'string' ? { agentName } : {}),
      // The arguments as the model gave them (a JSON string), which the SDK keeps in the run's history.
      input: raw!.arguments,
      approved,
      ...(typeof reason === 'string' ? { reason } : {}),
    });
  });
  return decisions;
}

/**
 * Records one event per person's decision on the interruptions of `state` (`result.state` of a run that paused
 * for approvals), `integration: "openai-agents"`: call it after `state.approve(item)` / `state.reject(item)` and
 * before `run(agent, state)` resumes (the resumed run leaves no interruptions to read). Interruptions not yet
 * decided are not recorded; a decision already recorded from the same state object is not recorded again. Options
 * as recordToolApprovals'; `input_digest` is that of the call's `arguments` string. Resolves to the event ids.
 * Rejects with ERR_CONFIG (a bad option, named) or ERR_SCHEMA_INVALID (not a RunState, the field named), then
 * recording nothing.
 */
export async function recordAgentApprovals(log: AiLog, state: unknown, options: ToolApprovalOptions = {}): Promise<string[]> {
  const taken: string[] = [];
  /** How many of the taken decisions the log was handed (in their order) before a failure. */
  let handed = 0;
  const recording = recordApprovals(log, options, 'openai-agents', () => {
    const done = recorded.get(state as object) ?? new Set<string>();
    // Taken at once, before any event is recorded: a second call on the same state, even before this one resolves, skips them.
    const decisions = agentApprovalDecisions(state).filter((d) => {
      const key = `${d.agentName}\0${d.toolName}\0${d.toolCallId}`;
      return !done.has(key) && (done.add(key), taken.push(key));
    });
    recorded.set(state as object, done);
    return decisions;
  }, () => handed++);
  // Not recorded after all (the client refused an event, a receipt failed): left to record again, never lost. Those
  // before it were recorded: a later call must not record them again.
  return recording.catch((error) => {
    for (const key of taken.slice(handed)) recorded.get(state as object)?.delete(key);
    throw error;
  });
}
