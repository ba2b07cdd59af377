/**
 * A decision model's answers: OpenAI's Decisions API (`decisions.create`) answers classification and scoring
 * questions about an input, the very calls the EU AI Act's high-risk uses turn on (creditworthiness, hiring
 * screens, eligibility: Annex III). What it decided is the evidence, so each answer is recorded as the decision it
 * is, in question order, beside the digest of the input and questions: `decision_answers`, each `{ name, type }`
 * and its value (a predicate's `probability`; a choice's `choice` and `confidence`; a score's `score` and
 * `confidence`; a refusal, none), not the per-value probabilities (the answer keeps those); `decision_refusals`,
 * how many questions the model declined. An app that must not keep them in the log drops them with `redact`.
 */

/** One answer, as recorded: the question's name (null when unnamed), the answer's type, and its value. */
export type DecisionAnswer = { name: string | null; type: string; probability?: number; choice?: string | boolean; score?: number; confidence?: number };

/** `decision_answers` and `decision_refusals` of a list of answers; undefined when the answer holds none. */
export function decisionSummary(answers: unknown): Record<string, unknown> | undefined {
  if (!Array.isArray(answers)) return undefined;
  const recorded: DecisionAnswer[] = answers.map((a) => {
    const { name = null, type, probability, choice, score, confidence } = (a ?? {}) as Record<string, any>;
    const answer: DecisionAnswer = { name: typeof name === 'string' ? name : null, type: String(type) };
    if (typeof probability === 'number' && type === 'predicate') answer.probability = probability;
    if ((typeof choice === 'string' || typeof choice === 'boolean') && type === 'choice') answer.choice = choice;
    if (typeof score === 'number' && type === 'score') answer.score = score;
    if (typeof confidence === 'number' && (type === 'choice' || type === 'score')) answer.confidence = confidence;
    return answer;
  });
  return { decision_answers: recorded, decision_refusals: recorded.filter((a) => a.type === 'refusal').length };
}
