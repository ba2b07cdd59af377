// The simulated model: a language model of the AI SDK's specification (v4), in the page, with canned,
// deterministic answers streamed word by word, token counts and a response model id, so that the page
// calls it through the AI SDK as it would call a provider's model. No AI service is called.
import type { LanguageModelV4, LanguageModelV4StreamPart } from '@ai-sdk/provider';

export const MODEL = { model_id: 'demo-assistant', model_version: '2026.05', model_type: 'llm', deployment_id: 'browser-demo' } as const;

/** How sure the model is of its answer, and why a human must review it before it counts (none when it may be shown as is). */
export interface Assessment {
  text: string;
  confidence: number;
  flags: string[];
}

const TOPICS: [RegExp, string, number][] = [
  [/refund|return|money back/i, 'Refunds are issued to the original payment method within 14 days of the return arriving (help centre, "Refunds").', 0.94],
  [/deliver|shipping|parcel|track/i, 'Standard delivery takes 2–4 working days; the tracking link is in the confirmation e-mail (help centre, "Delivery").', 0.91],
  [/password|log ?in|account/i, 'Use "Forgot password" on the sign-in page; the reset link is valid for 30 minutes (help centre, "Account").', 0.89],
  [/hello|hi\b|hey/i, 'Hello! I can help with orders, refunds, delivery and your account.', 0.97],
];
const SENSITIVE = /health|medic|diagnos|symptom|loan|credit|mortgage|legal|lawsuit|court/i;

const tokens = (text: string) => Math.max(1, Math.round(text.split(/\s+/).filter(Boolean).length * 1.3));

/** The model's answer to a prompt, with its confidence and flags: the page scores calls with the same function. */
export function assess(prompt: string): Assessment {
  const flags: string[] = [];
  let text: string;
  let confidence: number;
  const topic = TOPICS.find(([pattern]) => pattern.test(prompt));
  if (SENSITIVE.test(prompt)) {
    text = 'This touches on a regulated matter (health, credit or legal). A member of staff will review the answer before it is final.';
    confidence = 0.42;
    flags.push('regulated_topic');
  } else if (topic) {
    [, text, confidence] = topic;
  } else {
    text = 'I am not sure I understood. I can help with orders, refunds, delivery and your account; a colleague can take over if needed.';
    confidence = 0.55;
  }
  if (confidence < 0.6) flags.push('low_confidence');
  return { text, confidence, flags: [...new Set(flags)] };
}

/** The text of the last user message of an AI SDK prompt. */
export function promptText(prompt: unknown): string {
  const messages = Array.isArray(prompt) ? (prompt as { role: string; content: unknown }[]) : [];
  const content = messages.filter((m) => m.role === 'user').at(-1)?.content;
  return Array.isArray(content) ? content.map((p: { text?: string }) => p.text ?? '').join('') : String(content ?? '');
}

const pause = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** The demo model. A model takes a moment, and long prompts a little longer; then the words come one by one. */
export const demoModel: LanguageModelV4 = {
  specificationVersion: 'v4',
  provider: 'demo',
  modelId: MODEL.model_id,
  supportedUrls: {},
  async doGenerate() {
    throw new Error('the demo model streams only');
  },
  async doStream({ prompt, abortSignal }) {
    const question = promptText(prompt);
    const { text } = assess(question);
    const usage = {
      inputTokens: { total: tokens(question), noCache: tokens(question), cacheRead: undefined, cacheWrite: undefined },
      outputTokens: { total: tokens(text), text: tokens(text), reasoning: undefined },
    };
    const words = text.split(/(?<= )/);
    const stream = new ReadableStream<LanguageModelV4StreamPart>({
      async start(controller) {
        controller.enqueue({ type: 'stream-start', warnings: [] });
        controller.enqueue({ type: 'response-metadata', id: `demo-${Date.now().toString(36)}`, modelId: `${MODEL.model_id}-${MODEL.model_version}` });
        await pause(200 + Math.min(question.length, 400));
        controller.enqueue({ type: 'text-start', id: 'answer' });
        for (const delta of words) {
          if (abortSignal?.aborted) return controller.error(abortSignal.reason);
          controller.enqueue({ type: 'text-delta', id: 'answer', delta });
          await pause(15);
        }
        controller.enqueue({ type: 'text-end', id: 'answer' });
        controller.enqueue({ type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage });
        controller.close();
      },
    });
    return { stream };
  },
};
