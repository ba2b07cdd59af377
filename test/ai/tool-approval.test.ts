// A person approving or denying a tool call (`tool({ needsApproval: true })`): one event per decision, from the
// telemetry integration (ai@7) and from recordToolApprovals (ai@6 and ai@7). Real `ai` and `ai6`, their mock
// models (standing in for a model provider, which cannot run here), the real client and reference server.
import { convertToModelMessages, generateObject, generateText, registerTelemetry, stepCountIs, streamText, tool, type ModelMessage, type UIMessage } from 'ai';
import { convertArrayToReadableStream, MockLanguageModelV4 } from 'ai/test';
import { generateText as generateText6, tool as tool6 } from 'ai6';
import { MockLanguageModelV3 } from 'ai6/test';
import { z } from 'zod';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { aegislogTelemetry, aiDigest, recordToolApprovals } from '../../src/ai/index.js';
import { AegisLogError } from '../../src/index.js';
import { generated, harness, type Harness } from './harness.js';
import { DIGEST_KEY, generateResult, hmac, streamParts } from './mock-model.js';

let h: Harness;
beforeAll(async () => void (h = await harness()));
afterAll(async () => h?.close());
afterEach(() => void (globalThis.AI_SDK_TELEMETRY_INTEGRATIONS = undefined));

const PROMPT = 'Refund my last order.';
/** The input the mock model gives every tool call (mock-model.ts). */
const INPUT = { city: 'Paris' };

/** A refund tool a person must approve; `ran` counts its runs. */
function refunds(make: typeof tool | typeof tool6 = tool) {
  const ran: unknown[] = [];
  const refund = (make as typeof tool)({ inputSchema: z.object({ city: z.string() }), needsApproval: true, execute: async (input) => (ran.push(input), 'refunded') });
  return { tools: { refund }, ran };
}

/** The approval requests of a call's answer: `[approvalId, toolCallId]`. */
const requests = (content: readonly any[]) => content.filter((p) => p.type === 'tool-approval-request').map((p) => [p.approvalId as string, p.toolCall.toolCallId as string]);

/** The app's answer: a tool message of approval responses. */
const answer = (...responses: { approvalId: string; approved: boolean; reason?: string }[]): ModelMessage => ({ role: 'tool', content: responses.map((r) => ({ type: 'tool-approval-response', ...r })) });

const approvals = async () => (await h.events()).filter((e) => e.event_type === 'tool_approval');

/** The event of one decision, as the server stored it. */
const decision = (fields: Record<string, unknown>, human_intervention: Record<string, unknown>, more: Record<string, unknown> = {}) => ({
  ...generated,
  event_type: 'tool_approval',
  integration: 'ai-sdk',
  tool_name: 'refund',
  ...fields,
  human_intervention,
  ...more,
});

describe('aegislogTelemetry: tool approvals (ai@7)', () => {
  it('generateText approved: the tool runs, one event with the input digest; not recorded again on the next call', async () => {
    registerTelemetry(aegislogTelemetry({ log: h.log, digestKey: DIGEST_KEY, digestKeyId: 'key-2026' }));
    const model = new MockLanguageModelV4({ doGenerate: [generateResult('', { tools: ['refund'] }), generateResult('Refunded.'), generateResult('You are welcome.')] as never });
    const { tools, ran } = refunds();
    const messages: ModelMessage[] = [{ role: 'user', content: PROMPT }];
    const first = await generateText({ model, tools, messages, stopWhen: stepCountIs(3) });
    const [[approvalId, toolCallId]] = requests(first.content) as [[string, string]];
    expect(ran).toEqual([]);
    expect(await approvals()).toEqual([]);

    messages.push(...first.response.messages, answer({ approvalId, approved: true }));
    const second = await generateText({ model, tools, messages, stopWhen: stepCountIs(3) });
    expect(second.text).toBe('Refunded.');
    expect(ran).toEqual([INPUT]);
    const digest = await aiDigest(INPUT, DIGEST_KEY);
    expect(digest).toBe(hmac(INPUT));
    expect(await approvals()).toEqual([
      decision({ approval_id: approvalId, tool_call_id: toolCallId, approved: true, input_digest: digest, digest_key_id: 'key-2026' }, { required: true }),
    ]);

    // The decision stays in the history, beside the tool's result (as convertToModelMessages writes an approved
    // call that ran), and a new question follows: not recorded again.
    const result = { type: 'tool-result' as const, toolCallId, toolName: 'refund', output: { type: 'text' as const, value: 'refunded' } };
    const history: ModelMessage[] = [...messages.slice(0, -1), { role: 'tool', content: [...(messages.at(-1)!.content as any[]), result] }, ...second.response.messages];
    await generateText({ model, tools, messages: [...history, { role: 'user', content: 'Thanks.' }] });
    const events = await h.events();
    expect(events.map((e) => e.event_type)).toEqual(['model_inference']);
  });

  it('streamText denied with a reason: the tool does not run; the reviewer and session the call carries', async () => {
    const telemetry = { integrations: [aegislogTelemetry({ log: h.log, policy_context: { policy_name: 'refunds', policy_version: '2' } })] };
    const model = new MockLanguageModelV4({
      doStream: [{ stream: convertArrayToReadableStream(streamParts([''], { tools: ['refund'] })) }, { stream: convertArrayToReadableStream(streamParts(['Not refunded.'])) }] as never,
    });
    const { tools, ran } = refunds();
    const messages: ModelMessage[] = [{ role: 'user', content: PROMPT }];
    const first = streamText({ model, tools, messages, telemetry });
    const [[approvalId, toolCallId]] = requests(await first.content) as [[string, string]];
    messages.push(...(await first.response).messages, answer({ approvalId, approved: false, reason: 'Order already refunded.' }));

    const session_context = { session_id: 'sess-9', started_at: 1796551200 };
    const providerOptions = { aegislog: { session_context, human_intervention: { reviewer: 'agent-17' } } };
    const second = streamText({ model, tools, messages, telemetry, providerOptions });
    expect(await second.text).toBe('Not refunded.');
    expect(ran).toEqual([]);
    const reason = 'Order already refunded.';
    expect(await approvals()).toEqual([
      decision(
        { approval_id: approvalId, tool_call_id: toolCallId, approved: false, reason },
        { required: true, reason, reviewer: 'agent-17' },
        { session_context, policy_context: { policy_name: 'refunds', policy_version: '2' } },
      ),
    ]);
  });

  it('two decisions in one message: two events, in the message order', async () => {
    const telemetry = { integrations: [aegislogTelemetry({ log: h.log })] };
    const model = new MockLanguageModelV4({ doGenerate: [generateResult('', { tools: ['refund', 'refund'] }), generateResult('One refunded.')] as never });
    const { tools, ran } = refunds();
    const messages: ModelMessage[] = [{ role: 'user', content: PROMPT }];
    const first = await generateText({ model, tools, messages, telemetry });
    const [[a, callA], [b, callB]] = requests(first.content) as [[string, string], [string, string]];
    messages.push(...first.response.messages, answer({ approvalId: b, approved: false, reason: 'Duplicate.' }, { approvalId: a, approved: true }));
    await generateText({ model, tools, messages, telemetry });
    expect(ran).toEqual([INPUT]);
    expect(await approvals()).toEqual([
      decision({ approval_id: b, tool_call_id: callB, approved: false, reason: 'Duplicate.' }, { required: true, reason: 'Duplicate.' }),
      decision({ approval_id: a, tool_call_id: callA, approved: true }, { required: true }),
    ]);
  });

  it('a useChat history (convertToModelMessages): the denial is recorded as the SDK acts on it, not after', async () => {
    const telemetry = { integrations: [aegislogTelemetry({ log: h.log })] };
    const model = new MockLanguageModelV4({ doStream: [{ stream: convertArrayToReadableStream(streamParts(['Not refunded.'])) }] as never });
    const { tools, ran } = refunds();
    const refund = { type: 'tool-refund', toolCallId: 'call-7', input: INPUT, state: 'approval-responded', approval: { id: 'ap-7', approved: false, reason: 'Too large.' } };
    const question: UIMessage = { id: 'u1', role: 'user', parts: [{ type: 'text', text: PROMPT }] };
    // ai@7 writes a denial as its response and its `execution-denied` result, in one tool message.
    const ui = [question, { id: 'a1', role: 'assistant', parts: [{ type: 'step-start' }, refund] }] as UIMessage[];
    const result = streamText({ model, tools, messages: await convertToModelMessages(ui), telemetry });
    expect(await result.text).toBe('Not refunded.');
    expect(ran).toEqual([]);
    expect(await approvals()).toEqual([decision({ approval_id: 'ap-7', tool_call_id: 'call-7', approved: false, reason: 'Too large.' }, { required: true, reason: 'Too large.' })]);

    // Acted on, the part is `output-denied`; the next question's call does not record it again.
    const after = [question, { id: 'a1', role: 'assistant', parts: [{ type: 'step-start' }, { ...refund, state: 'output-denied' }, { type: 'step-start' }, { type: 'text', text: 'Not refunded.' }] }] as UIMessage[];
    const again = await convertToModelMessages(after);
    expect(again.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect(await recordToolApprovals(h.log, again.slice(0, -1))).toEqual([]);
    expect(await approvals()).toEqual([]);
  });

  it("the SDK's signed approvals: checked after the event, as docs/ai.md says; a tampered input fails the call", async () => {
    const telemetry = { integrations: [aegislogTelemetry({ log: h.log, digestKey: DIGEST_KEY })] };
    const model = new MockLanguageModelV4({ doGenerate: [generateResult('', { tools: ['refund'] })] as never });
    const { tools, ran } = refunds();
    const secret = 'tool-approval-secret-for-tests';
    const first = await generateText({ model, tools, prompt: PROMPT, telemetry, experimental_toolApprovalSecret: secret });
    const [[approvalId, toolCallId]] = requests(first.content) as [[string, string]];
    // The client changed the input it was asked to approve: the request's signature no longer matches its tool call.
    const tampered = { city: 'Berlin' };
    const [asked] = first.response.messages as any[];
    const changed = { ...asked, content: asked.content.map((p: any) => (p.type === 'tool-call' ? { ...p, input: tampered } : p)) };
    const messages: ModelMessage[] = [{ role: 'user', content: PROMPT }, changed, answer({ approvalId, approved: true })];
    await expect(generateText({ model, tools, messages, telemetry, experimental_toolApprovalSecret: secret })).rejects.toThrow(/signature/);
    expect(ran).toEqual([]);
    expect(await approvals()).toEqual([decision({ approval_id: approvalId, tool_call_id: toolCallId, approved: true, input_digest: hmac(tampered) }, { required: true })]);
  });

  it('generateObject, which acts on no approval (it refuses such messages), records none', async () => {
    const telemetry = { integrations: [aegislogTelemetry({ log: h.log })] };
    const { tools } = refunds();
    const asking = new MockLanguageModelV4({ doGenerate: generateResult('', { tools: ['refund'] }) as never });
    const first = await generateText({ model: asking, tools, prompt: PROMPT, telemetry });
    const [[approvalId]] = requests(first.content) as [[string]];
    const messages: ModelMessage[] = [{ role: 'user', content: PROMPT }, ...first.response.messages, answer({ approvalId, approved: true })];
    const model = new MockLanguageModelV4({ doGenerate: generateResult('{"total":42}') as never });
    await expect(generateObject({ model, schema: z.object({ total: z.number() }), messages, telemetry })).rejects.toThrow(/Tool result is missing/);
    expect((await h.events()).map((e) => e.event_type)).toEqual(['model_inference']);
  });

  it('waitUntil: handed a promise for the decisions too, settled once their events are delivered', async () => {
    const handed: Promise<unknown>[] = [];
    const ids: string[] = [];
    // Each decision event is sent on its own and its receipt awaited, so its recording outlasts the model call's.
    const telemetry = { integrations: [aegislogTelemetry({ log: h.log, sync: true, waitUntil: (p) => handed.push(p), onRecorded: ({ eventId }) => ids.push(eventId) })] };
    const model = new MockLanguageModelV4({ doGenerate: [generateResult('', { tools: ['refund'] }), generateResult('Refunded.')] as never });
    const { tools } = refunds();
    const first = await generateText({ model, tools, prompt: PROMPT, telemetry });
    const [[approvalId]] = requests(first.content) as [[string]];
    const before = handed.length;
    const messages: ModelMessage[] = [{ role: 'user', content: PROMPT }, ...first.response.messages, answer({ approvalId, approved: true })];
    await generateText({ model, tools, messages, telemetry });
    // One promise for the model call, one for the call's decisions.
    expect(handed.length - before).toBe(2);
    await Promise.all(handed);
    expect(ids).toHaveLength(3);
    expect((await h.events()).map((e) => e.event_id).sort()).toEqual([...ids].sort());
  });

  it('approvalEventType names the events; a bad one is ERR_CONFIG', async () => {
    expect(() => aegislogTelemetry({ log: h.log, approvalEventType: '' })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'approvalEventType' }));
    // Longer than an event type may be (128 characters): every decision's event would be refused.
    expect(() => aegislogTelemetry({ log: h.log, approvalEventType: 'oversight.tool_decision.'.repeat(6) })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'approvalEventType' }));
    const telemetry = { integrations: [aegislogTelemetry({ log: h.log, approvalEventType: 'oversight.tool_decision' })] };
    const model = new MockLanguageModelV4({ doGenerate: [generateResult('', { tools: ['refund'] }), generateResult('Done.')] as never });
    const { tools } = refunds();
    const first = await generateText({ model, tools, prompt: PROMPT, telemetry });
    const [[approvalId]] = requests(first.content) as [[string]];
    await generateText({ model, tools, messages: [{ role: 'user', content: PROMPT }, ...first.response.messages, answer({ approvalId, approved: true })], telemetry });
    expect((await h.events()).map((e) => e.event_type)).toEqual(['model_inference', 'oversight.tool_decision', 'model_inference']);
  });
});

describe('recordToolApprovals (ai@6, and apps without the telemetry)', () => {
  it('ai@6: the decisions of the messages the app passes, once; the event ids returned', async () => {
    const model = new MockLanguageModelV3({ doGenerate: [generateResult('', { tools: ['refund', 'refund'] }), generateResult('One refunded.')] as never });
    const { tools, ran } = refunds(tool6 as never);
    const messages: any[] = [{ role: 'user', content: PROMPT }];
    const first = await generateText6({ model, tools: tools as never, messages });
    const [[a, callA], [b, callB]] = requests(first.content) as [[string, string], [string, string]];
    messages.push(...first.response.messages, answer({ approvalId: a, approved: true, reason: 'Checked the order.' }, { approvalId: b, approved: false }));

    const ids = await recordToolApprovals(h.log, messages, { digestKey: DIGEST_KEY, human_intervention: { reviewer: 'agent-17', reviewed_at: 1796558400 } });
    const second = await generateText6({ model, tools: tools as never, messages });
    expect(second.text).toBe('One refunded.');
    expect(ran).toEqual([INPUT]);
    const events = await approvals();
    expect(events.map((e) => e.event_id)).toEqual(ids);
    const reviewer = { reviewer: 'agent-17', reviewed_at: 1796558400 };
    expect(events).toEqual([
      decision({ approval_id: a, tool_call_id: callA, approved: true, reason: 'Checked the order.', input_digest: hmac(INPUT) }, { required: true, reason: 'Checked the order.', ...reviewer }),
      decision({ approval_id: b, tool_call_id: callB, approved: false, input_digest: hmac(INPUT) }, { required: true, ...reviewer }),
    ]);

    // The next call's history still holds them, beside the tools' results (as convertToModelMessages writes them): a
    // trailing tool message of answered calls, or one followed by the model's answer and a question: nothing new.
    const answered = [
      ...(messages.at(-1).content as any[]),
      { type: 'tool-result', toolCallId: callA, toolName: 'refund', output: { type: 'text', value: 'refunded' } },
      { type: 'tool-result', toolCallId: callB, toolName: 'refund', output: { type: 'error-text', value: 'Tool call execution denied.' } },
    ];
    const history = [...messages.slice(0, -1), { role: 'tool', content: answered }];
    expect(await recordToolApprovals(h.log, history)).toEqual([]);
    expect(await recordToolApprovals(h.log, [...history, ...second.response.messages, { role: 'user', content: 'Thanks.' }])).toEqual([]);
    expect(await approvals()).toEqual([]);
  });

  it('sync: each event sent at once, the ids its receipts give; a long reason whole in the payload, cut in the context', async () => {
    const call = { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'c1', toolName: 'refund', input: INPUT }, { type: 'tool-approval-request', approvalId: 'ap1', toolCallId: 'c1' }] };
    // 1,023 letters and an emoji: the context's 1,024 characters would end between the emoji's halves.
    const reason = `${'x'.repeat(1023)}😀 and more`;
    const ids = await recordToolApprovals(h.log, [call, answer({ approvalId: 'ap1', approved: false, reason })], { sync: true });
    const [event, ...more] = await approvals();
    expect(more).toEqual([]);
    expect(ids).toEqual([event!.event_id]);
    expect(event!.reason).toBe(reason);
    expect(event!.human_intervention).toEqual({ required: true, reason: 'x'.repeat(1023) });
  });

  it('other parts are ignored; a response that answers no request is ERR_SCHEMA_INVALID naming it, nothing recorded', async () => {
    const call = { role: 'assistant', content: [{ type: 'text', text: 'Refund?' }, { type: 'tool-call', toolCallId: 'c1', toolName: 'refund', input: INPUT }, { type: 'tool-approval-request', approvalId: 'ap1', toolCallId: 'c1' }] };
    const note = { type: 'text', text: 'not a tool part' };
    const ids = await recordToolApprovals(h.log, [{ role: 'user', content: PROMPT }, call, { role: 'tool', content: [note, { type: 'tool-approval-response', approvalId: 'ap1', approved: true }] }]);
    expect(ids).toHaveLength(1);
    expect(await recordToolApprovals(h.log, [{ role: 'user', content: PROMPT }, call, { role: 'tool', content: [note] }])).toEqual([]);
    // The SDK's toolApproval policy answered it (ai@7 marks its request isAutomatic): no person decided.
    const automatic = { ...call, content: [call.content[1], { ...call.content[2], isAutomatic: true }] };
    expect(await recordToolApprovals(h.log, [automatic, { role: 'tool', content: [{ type: 'tool-approval-response', approvalId: 'ap1', approved: false }] }])).toEqual([]);
    // Two answers to one tool call: the SDK acts on the first, and so one event.
    const twice = { ...call, content: [...call.content, { type: 'tool-approval-request', approvalId: 'ap2', toolCallId: 'c1' }] };
    const both = [{ type: 'tool-approval-response', approvalId: 'ap1', approved: true }, { type: 'tool-approval-response', approvalId: 'ap2', approved: false }];
    expect(await recordToolApprovals(h.log, [twice, { role: 'tool', content: both }])).toHaveLength(1);

    const refused = async (messages: unknown, field: string) => {
      const error = await recordToolApprovals(h.log, messages).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AegisLogError);
      expect(error).toMatchObject({ code: 'ERR_SCHEMA_INVALID', field });
    };
    await refused({ role: 'tool' }, 'messages');
    const answered = { type: 'tool-approval-response', approvalId: 'ap1', approved: true };
    await refused([call, { role: 'tool', content: [answered, { type: 'tool-approval-response', approvalId: 'nope', approved: true }] }], 'messages[1].content[1].approvalId');
    await refused([call, { role: 'tool', content: [{ type: 'tool-approval-response', approvalId: 'ap1', approved: 'yes' }] }], 'messages[1].content[0].approved');
    await refused([{ ...call, content: call.content.slice(2) }, { role: 'tool', content: [answered] }], 'messages[1].content[0].approvalId');
    await expect(recordToolApprovals({} as never, [])).rejects.toMatchObject({ code: 'ERR_CONFIG', field: 'log' });
    expect((await approvals()).map((e) => [e.approval_id, e.approved])).toEqual([['ap1', true], ['ap1', true]]);
  });
});
