// The simulated model: canned, deterministic answers with a latency, token
// counts and a confidence score, so that the page records what a real model
// call would give. No AI service is called.

export const MODEL = { model_id: 'demo-assistant', model_version: '2026.05', model_type: 'llm', deployment_id: 'browser-demo' } as const;

export interface ModelAnswer {
  text: string;
  latencyMs: number;
  confidence: number;
  inputTokens: number;
  outputTokens: number;
  /** Why a human must review it before it counts; none when it may be shown as is. */
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

export async function ask(prompt: string): Promise<ModelAnswer> {
  const started = performance.now();
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
  // A model takes a moment; long prompts a little longer.
  await new Promise((done) => setTimeout(done, 250 + Math.min(prompt.length, 400)));
  return {
    text,
    latencyMs: Math.round(performance.now() - started),
    confidence,
    inputTokens: tokens(prompt),
    outputTokens: tokens(text),
    flags: [...new Set(flags)],
  };
}
