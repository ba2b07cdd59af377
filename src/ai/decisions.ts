/**
 * A decision model's answers: OpenAI's Decisions API (`decisions.create`) answers classification and scoring
 * questions about an input, the very calls the EU AI Act's high-risk uses turn on (creditworthiness, hiring
 * screens, eligibility: Annex III), and the AI SDK's `experimental_decide` asks any provider's decision model the
 * same. What it decided is the evidence, so each answer is recorded as the decision it is, in question order,
 * beside the digest of the input and questions: `decision_answers`, each `{ name, type }` and its value (a
 * predicate's or boolean's `probability`; a choice's `choice` and `confidence`; a score's `score` and
 * `confidence`; a box's `box`; a refusal, none), not the per-value probabilities (the answer keeps those);
 * `decision_refusals`, how many questions the model declined. An app that must not keep them in the log drops them
 * with `redact`.
 */

import { textChars } from './record.js';

/** One answer, as recorded: the question's name (null when unnamed), the answer's type, and its value. */
export type DecisionAnswer = { name: string | null; type: string; probability?: number; choice?: string | boolean; score?: number; confidence?: number; box?: Box };

/** A box question's answer: edges in [0, 1], from an image's top-left corner. */
type Box = { top: number; bottom: number; left: number; right: number };

/** `decision_answers` and `decision_refusals` of a list of answers; undefined when the answer holds none. */
export function decisionSummary(answers: unknown): Record<string, unknown> | undefined {
  if (!Array.isArray(answers)) return undefined;
  const recorded: DecisionAnswer[] = answers.map((a) => {
    const { name = null, type, probability, choice, score, confidence, box } = (a ?? {}) as Record<string, any>;
    const answer: DecisionAnswer = { name: typeof name === 'string' ? name : null, type: String(type) };
    if (typeof probability === 'number' && (type === 'predicate' || type === 'boolean')) answer.probability = probability;
    if ((typeof choice === 'string' || typeof choice === 'boolean') && type === 'choice') answer.choice = choice;
    if (typeof score === 'number' && type === 'score') answer.score = score;
    if (typeof confidence === 'number' && (type === 'choice' || type === 'score')) answer.confidence = confidence;
    // The edges only, as numbers: a provider's box may carry more.
    if (type === 'box' && box && EDGES.every((edge) => typeof box[edge] === 'number')) answer.box = { top: box.top, bottom: box.bottom, left: box.left, right: box.right };
    return answer;
  });
  return { decision_answers: recorded, decision_refusals: recorded.filter((a) => a.type === 'refusal').length };
}

const EDGES = ['top', 'bottom', 'left', 'right'];

/**
 * The same of the AI SDK's answers, keyed by question id: named by their ids, in the order of the questions asked
 * (the answers' own when the SDK emptied the questions: the app's `recordInputs: false`).
 */
export function decisionsByName(questions: unknown, answers: unknown): Record<string, unknown> | undefined {
  if (!answers || typeof answers !== 'object') return undefined;
  const asked = questions && typeof questions === 'object' && Object.keys(questions).length ? questions : answers;
  return decisionSummary(Object.keys(asked).map((name) => ({ ...(answers as Record<string, object>)[name], name })));
}

/** The text a decision model is asked to judge (the state's text parts) and the questions' texts: instructions, criteria. */
export function decisionInputChars(state: unknown, questions: unknown): number {
  // Objects only: a span's attribute that is no JSON is a string, whose characters are no questions.
  const values = (o: unknown): unknown[] => (o && typeof o === 'object' ? Object.values(o) : []);
  const asked = values(questions) as ({ instructions?: unknown; criteria?: unknown } | null)[];
  return textChars(state) + textChars(asked.flatMap((q) => [q?.instructions, ...values(q?.criteria)]));
}
