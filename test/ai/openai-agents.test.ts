// The OpenAI Agents SDK (`@openai/agents`) making its model calls through a wrapOpenAI-wrapped `openai` client, and a
// person's decisions on its tool calls recorded by recordAgentApprovals:
// the real SDK and the real client, against the small OpenAI-compatible server on 127.0.0.1 (openai-server.ts),
// which stands in for the model provider. Tracing is off in every test (the SDK would export traces to
// api.openai.com), and each global the tests set (the default client, the API, tracing) is restored.
import { Agent, getDefaultOpenAIClient, OpenAIChatCompletionsModel, OpenAIProvider, run, Runner, RunState, setDefaultOpenAIClient, setOpenAIAPI, setTracingDisabled, tool } from '@openai/agents';
import OpenAI from 'openai';
import { z } from 'zod';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { recordAgentApprovals, wrapOpenAI } from '../../src/ai/index.js';
import { AegisLogError } from '../../src/index.js';
import { textChars } from '../../src/ai/record.js';
import { closeBoth, generated, startWith, type Harness } from './harness.js';
import { DIGEST_KEY, hmac } from './mock-model.js';
import { chatCompletion, chatStream, MODEL, ownApiOptions, response, responseStream, SNAPSHOT, startOpenAIServer, type OpenAIServer } from './openai-server.js';

let h: Harness;
let api: OpenAIServer;
/** The hosts every fetch of this file went to (the SDK's clients and its trace exporter fetch with the global one). */
const hosts = new Set<string>();
const fetched = globalThis.fetch;
beforeAll(async () => {
  globalThis.fetch = (input, init) => (hosts.add(new URL(input instanceof Request ? input.url : input).hostname), fetched(input, init));
  ({ h, api } = await startWith(startOpenAIServer));
});
afterAll(async () => {
  globalThis.fetch = fetched;
  await closeBoth(h, api);
  expect([...hosts]).toEqual(['127.0.0.1']);
});

/** The globals the Agents SDK keeps, as they were before each test. */
let defaultClient: ReturnType<typeof getDefaultOpenAIClient>;
beforeEach(() => {
  defaultClient = getDefaultOpenAIClient();
  setTracingDisabled(true);
});
afterEach(() => {
  setDefaultOpenAIClient(defaultClient!);
  setOpenAIAPI('responses');
  // Off, as the SDK has it under a test runner (NODE_ENV=test) and as every test here wants it.
  setTracingDisabled(true);
});

/** A wrapped client of the fake server: every request of the Agents SDK goes to 127.0.0.1. */
const wrappedClient = () => wrapOpenAI(new OpenAI(ownApiOptions(api)), { log: h.log, digestKey: DIGEST_KEY });

const INSTRUCTIONS = 'You are a support agent.';
const QUESTION = 'Where is my parcel?';

/** The request the fake received `back` requests ago (1: the last). */
const sent = (back = 1) => api.requests.at(-back)!.body;

/** The exact event of one Responses API call of the SDK, from the request as the fake received it. */
const responsesEvent = (body: any, streamed: boolean, answer: { text?: string; tools?: string[] }) => ({
  ...generated,
  event_type: 'model_inference',
  integration: 'openai',
  operation: 'responses',
  streamed,
  provider: 'openai',
  response_model_id: SNAPSHOT,
  response_id: 'resp_1',
  outcome: 'ok',
  finish_reason: answer.tools ? 'tool-calls' : 'stop',
  ...(answer.tools && { tool_calls: answer.tools }),
  ...(streamed && { time_to_first_token_ms: expect.any(Number) }),
  input_chars: textChars(body.input) + textChars(body.instructions),
  ...(answer.text && { output_chars: answer.text.length }),
  input_digest: hmac({ instructions: body.instructions, input: body.input }),
  ...(answer.text && { output_digest: hmac(answer.text) }),
  model_context: { model_id: MODEL, model_version: SNAPSHOT, model_type: 'llm' },
  performance_metrics: { latency_ms: expect.any(Number), input_tokens: 9, output_tokens: 5 },
});

/** A parcel tracker the model calls; `ran` holds the inputs it ran with. */
function tracker(needsApproval = false) {
  const ran: unknown[] = [];
  const track = tool({
    name: 'track_parcel',
    description: 'Where a parcel is.',
    parameters: z.object({ city: z.string() }),
    needsApproval,
    execute: async (input) => (ran.push(input), 'In the depot.'),
  });
  return { track, ran };
}

describe('@openai/agents through wrapOpenAI', () => {
  it('run(agent, input) with setDefaultOpenAIClient: one event for its one model call (Responses API)', async () => {
    setDefaultOpenAIClient(wrappedClient());
    api.script({ json: response('Tomorrow.') });
    const result = await run(new Agent({ name: 'Support', instructions: INSTRUCTIONS, model: MODEL }), QUESTION);
    expect(result.finalOutput).toBe('Tomorrow.');
    expect(sent()).toMatchObject({ model: MODEL, instructions: INSTRUCTIONS });
    expect(await h.events()).toEqual([responsesEvent(sent(), false, { text: 'Tomorrow.' })]);
  });

  it('run(agent, input, { stream: true }) read to its end: one event, streamed', async () => {
    setDefaultOpenAIClient(wrappedClient());
    api.script({ sse: responseStream(['Tomor', 'row.']) });
    const result = await run(new Agent({ name: 'Support', instructions: INSTRUCTIONS, model: MODEL }), QUESTION, { stream: true });
    for await (const _ of result);
    await result.completed;
    expect(result.finalOutput).toBe('Tomorrow.');
    expect(sent().stream).toBe(true);
    expect(await h.events()).toEqual([responsesEvent(sent(), true, { text: 'Tomorrow.' })]);
  });

  it('an agent with a tool: two model calls (the tool call, then the answer), two events with their tool calls', async () => {
    setDefaultOpenAIClient(wrappedClient());
    const { track, ran } = tracker();
    api.script({ json: response('', { tools: ['track_parcel'] }) }, { json: response('It is in the depot.') });
    const result = await run(new Agent({ name: 'Support', instructions: INSTRUCTIONS, model: MODEL, tools: [track] }), QUESTION);
    expect(result.finalOutput).toBe('It is in the depot.');
    expect(ran).toEqual([{ city: 'Paris' }]);
    expect(await h.events()).toEqual([responsesEvent(sent(2), false, { tools: ['track_parcel'] }), responsesEvent(sent(1), false, { text: 'It is in the depot.' })]);
  });

  it('a Runner with OpenAIProvider({ openAIClient }): its calls recorded, streamed with a tool too', async () => {
    const runner = new Runner({ modelProvider: new OpenAIProvider({ openAIClient: wrappedClient() }) });
    const { track } = tracker();
    api.script({ sse: responseStream([], { tools: ['track_parcel'] }) }, { sse: responseStream(['In the ', 'depot.']) });
    const result = await runner.run(new Agent({ name: 'Support', instructions: INSTRUCTIONS, model: MODEL, tools: [track] }), QUESTION, { stream: true });
    for await (const _ of result);
    await result.completed;
    expect(result.finalOutput).toBe('In the depot.');
    expect(await h.events()).toEqual([responsesEvent(sent(2), true, { tools: ['track_parcel'] }), responsesEvent(sent(1), true, { text: 'In the depot.' })]);
  });

  it('chat completions (setOpenAIAPI, OpenAIChatCompletionsModel), streamed or not: one event per call', async () => {
    setDefaultOpenAIClient(wrappedClient());
    setOpenAIAPI('chat_completions');
    api.script({ json: chatCompletion('Tomorrow.') }, { json: chatCompletion('Today.') }, { sse: chatStream(['To', 'night.'], { usage: true }) });
    expect((await run(new Agent({ name: 'Support', instructions: INSTRUCTIONS, model: MODEL }), QUESTION)).finalOutput).toBe('Tomorrow.');
    const model = new OpenAIChatCompletionsModel(wrappedClient() as never, MODEL);
    expect((await run(new Agent({ name: 'Support', instructions: INSTRUCTIONS, model }), QUESTION)).finalOutput).toBe('Today.');
    const streamed = await run(new Agent({ name: 'Support', instructions: INSTRUCTIONS, model }), QUESTION, { stream: true });
    for await (const _ of streamed);
    await streamed.completed;
    expect(streamed.finalOutput).toBe('Tonight.');
    const chatEvent = (body: any, text: string, stream = false) => ({
      ...generated,
      event_type: 'model_inference',
      integration: 'openai',
      operation: 'chat.completions',
      streamed: stream,
      provider: 'openai',
      response_model_id: SNAPSHOT,
      response_id: stream ? 'chatcmpl-s1' : 'chatcmpl-1',
      ...(stream && { time_to_first_token_ms: expect.any(Number) }),
      outcome: 'ok',
      finish_reason: 'stop',
      input_chars: textChars(body.messages),
      output_chars: text.length,
      input_digest: hmac(body.messages),
      output_digest: hmac(text),
      system_fingerprint: 'fp_test',
      model_context: { model_id: MODEL, model_version: SNAPSHOT, model_type: 'llm' },
      performance_metrics: { latency_ms: expect.any(Number), input_tokens: 12, output_tokens: 7 },
    });
    expect(sent().stream_options).toEqual({ include_usage: true });
    expect(await h.events()).toEqual([chatEvent(sent(3), 'Tomorrow.'), chatEvent(sent(2), 'Today.'), chatEvent(sent(1), 'Tonight.', true)]);
  });
});

describe('recordAgentApprovals', () => {
  /** An agent whose parcel tracker needs a person's approval, run to its interruption(s): the model asks for `calls` tool calls. */
  async function interrupted(calls = 1) {
    setDefaultOpenAIClient(wrappedClient());
    const { track, ran } = tracker(true);
    const agent = new Agent({ name: 'Support', instructions: INSTRUCTIONS, model: MODEL, tools: [track] });
    api.script({ json: response('', { tools: Array(calls).fill('track_parcel') }) });
    const result = await run(agent, QUESTION);
    expect(result.interruptions.map((i) => [i.name, (i.rawItem as { callId: string }).callId])).toEqual(Array.from({ length: calls }, (_, i) => ['track_parcel', `call_${i}`]));
    expect(ran).toEqual([]);
    return { agent, ran, state: result.state, interruptions: result.interruptions };
  }

  /** The run resumed: the model's answer after the tool's result (or its rejection). */
  async function resume(agent: Agent, state: RunState<any, any>) {
    api.script({ json: response('Done.') });
    return (await run(agent, state)).finalOutput;
  }

  /** The events of the calls since the last look: event types in order, and the tool_approval ones. */
  const look = async () => {
    const events = await h.events();
    return { types: events.map((e) => e.event_type), approvals: events.filter((e) => e.event_type === 'tool_approval') };
  };

  /** The event of one decision on the tracker's call `call_<n>`, as the server stored it. */
  const decision = (fields: Record<string, unknown>, human_intervention: Record<string, unknown>, more: Record<string, unknown> = {}) => ({
    ...generated,
    event_type: 'tool_approval',
    integration: 'openai-agents',
    tool_call_id: 'call_0',
    tool_name: 'track_parcel',
    agent_name: 'Support',
    ...fields,
    human_intervention,
    ...more,
  });

  it('approved: the tool runs; one event, with the digest of the arguments as the model gave them', async () => {
    const { agent, ran, state, interruptions } = await interrupted();
    state.approve(interruptions[0]!);
    const ids = await recordAgentApprovals(h.log, state, { digestKey: DIGEST_KEY, digestKeyId: 'key-2026', human_intervention: { reviewer: 'agent-17' } });
    expect(ids).toHaveLength(1);
    expect(await resume(agent, state)).toBe('Done.');
    expect(ran).toEqual([{ city: 'Paris' }]);
    const { types, approvals } = await look();
    // Both model calls recorded too (each event as its digests are ready: not in a set order with the decision's).
    expect(types.sort()).toEqual(['model_inference', 'model_inference', 'tool_approval']);
    expect(approvals).toEqual([decision({ event_id: ids[0], approved: true, input_digest: hmac('{"city":"Paris"}'), digest_key_id: 'key-2026' }, { required: true, reviewer: 'agent-17' })]);
  });

  it('rejected with a message: the tool does not run; one event, approved false, the message as its reason', async () => {
    const { agent, ran, state, interruptions } = await interrupted();
    state.reject(interruptions[0]!, { message: 'Already delivered.' });
    const session_context = { session_id: 'sess-9', started_at: 1796551200 };
    await recordAgentApprovals(h.log, state, { session_context, eventType: 'oversight.tool_decision' });
    expect(await resume(agent, state)).toBe('Done.');
    expect(ran).toEqual([]);
    // The model is told of the rejection with the person's message.
    expect(sent().input).toContainEqual(expect.objectContaining({ type: 'function_call_output', call_id: 'call_0', output: 'Already delivered.' }));
    const events = (await h.events()).filter((e) => e.event_type !== 'model_inference');
    expect(events).toEqual([
      decision({ event_type: 'oversight.tool_decision', approved: false, reason: 'Already delivered.' }, { required: true, reason: 'Already delivered.' }, { session_context }),
    ]);
  });

  it('two interruptions, one decided: one event; the one not decided is not recorded', async () => {
    const { state, interruptions } = await interrupted(2);
    expect(await recordAgentApprovals(h.log, state)).toEqual([]);
    state.reject(interruptions[1]!);
    await recordAgentApprovals(h.log, state);
    expect((await look()).approvals).toEqual([decision({ tool_call_id: 'call_1', approved: false }, { required: true })]);
  });

  it('called twice on the same state: each decision recorded once', async () => {
    const { state, interruptions } = await interrupted(2);
    state.approve(interruptions[0]!);
    const [first, again] = await Promise.all([recordAgentApprovals(h.log, state), recordAgentApprovals(h.log, state)]);
    expect([first, again].map((ids) => ids.length)).toEqual([1, 0]);
    state.approve(interruptions[1]!);
    expect(await recordAgentApprovals(h.log, state)).toHaveLength(1);
    expect(await recordAgentApprovals(h.log, state)).toEqual([]);
    expect((await look()).approvals.map((e) => [e.tool_call_id, e.approved])).toEqual([
      ['call_0', true],
      ['call_1', true],
    ]);
  });

  it('a decision whose event the log refused is recorded by the next call, not lost', async () => {
    const { state, interruptions } = await interrupted();
    state.approve(interruptions[0]!);
    const refusing = { record: () => { throw new Error('queue full'); } };
    await expect(recordAgentApprovals(refusing, state)).rejects.toThrow('queue full');
    expect(await recordAgentApprovals(h.log, state)).toHaveLength(1);
    expect((await look()).approvals.map((e) => [e.tool_call_id, e.approved])).toEqual([['call_0', true]]);
  });

  it('two decisions, the second refused by the log: the next call records the second only, not the first again', async () => {
    const { state, interruptions } = await interrupted(2);
    state.approve(interruptions[0]!);
    state.reject(interruptions[1]!);
    let calls = 0;
    const failingSecond = {
      record: (...args: Parameters<typeof h.log.record>) => {
        if (++calls === 2) throw new Error('queue full');
        return h.log.record(...args);
      },
    };
    await expect(recordAgentApprovals(failingSecond, state)).rejects.toThrow('queue full');
    expect(await recordAgentApprovals(h.log, state)).toHaveLength(1);
    expect((await look()).approvals.map((e) => [e.tool_call_id, e.approved])).toEqual([
      ['call_0', true],
      ['call_1', false],
    ]);
  });

  it('a state serialised (state.toString()) and restored (RunState.fromString): decided before or after, recorded', async () => {
    const { agent, ran, state, interruptions } = await interrupted(2);
    state.approve(interruptions[0]!);
    const restored = await RunState.fromString(agent, state.toString());
    restored.reject(restored.getInterruptions().find((i) => (i.rawItem as { callId: string }).callId === 'call_1')!, { message: 'One is enough.' });
    expect(await recordAgentApprovals(h.log, restored)).toHaveLength(2);
    expect(await resume(agent, restored)).toBe('Done.');
    expect(ran).toEqual([{ city: 'Paris' }]);
    expect((await look()).approvals).toEqual([
      decision({ approved: true }, { required: true }),
      decision({ tool_call_id: 'call_1', approved: false, reason: 'One is enough.' }, { required: true, reason: 'One is enough.' }),
    ]);
  });

  it('not a RunState: ERR_SCHEMA_INVALID naming the field; bad options ERR_CONFIG; nothing recorded for them', async () => {
    const refused = async (state: unknown, field: string) => {
      const error = await recordAgentApprovals(h.log, state).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AegisLogError);
      expect(error).toMatchObject({ code: 'ERR_SCHEMA_INVALID', field });
    };
    await refused(undefined, 'state');
    await refused({ interruptions: [] }, 'state.getInterruptions');
    await refused({ getInterruptions: () => [] }, 'state._context');
    await refused({ getInterruptions: () => [{ rawItem: { type: 'function_call', callId: 'c1' } }], _context: { isToolApproved: () => true } }, 'state.getInterruptions()[0].rawItem.name');
    await refused({ getInterruptions: () => [{ rawItem: { type: 'function_call', name: 'track_parcel' } }], _context: { isToolApproved: () => true } }, 'state.getInterruptions()[0].rawItem.callId');
    // A call without arguments (the SDK's shell and computer calls carry an action instead): recorded, no input digest.
    const shell = { getInterruptions: () => [{ toolName: 'shell', rawItem: { type: 'shell_call', callId: 'sh1' } }], _context: { isToolApproved: () => true } };
    await recordAgentApprovals(h.log, shell, { digestKey: DIGEST_KEY });
    expect((await look()).approvals).toEqual([
      { ...generated, event_type: 'tool_approval', integration: 'openai-agents', tool_call_id: 'sh1', tool_name: 'shell', approved: true, human_intervention: { required: true } },
    ]);
    const { state } = await interrupted();
    await expect(recordAgentApprovals({} as never, state)).rejects.toMatchObject({ code: 'ERR_CONFIG', field: 'log' });
    await expect(recordAgentApprovals(h.log, state, { digestKey: '' })).rejects.toMatchObject({ code: 'ERR_CONFIG', field: 'digestKey' });
    expect((await look()).approvals).toEqual([]);
  });
});
