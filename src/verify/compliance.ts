import { AegisLogError, type WireEvent } from '../protocol/index.js';
import { CONTEXT_NAMES, CONTEXT_RULES } from '../schema/rules.js';

export interface ComplianceBlock {
  time_machine_defense: boolean;
  eu_ai_act_article_12: boolean;
  eu_ai_act_article_14_human_oversight: boolean;
  full_traceability: boolean;
  non_repudiation: boolean;
  immutable_record: boolean;
  fields_present: Record<string, Record<string, boolean>>;
}

const has = (value: unknown) => value !== undefined && value !== null;

/**
 * The compliance block of `/verify`, flag by flag as PROTOCOL.md §7 defines it: pure
 * functions of an event and the checks run on it. It lives with the verifier, below
 * both the server (which answers `/verify` with it) and the auditor page (which shows
 * it for bundles it checked itself), so that the two cannot drift apart and no page
 * bundles server code.
 */
export function complianceOf(event: WireEvent, receivedAt: string | undefined, proof: { signature: boolean; sealed: boolean }): ComplianceBlock {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) throw new AegisLogError('ERR_CONFIG', 'event must be an event object', { field: 'event' });
  if (typeof proof !== 'object' || proof === null) throw new AegisLogError('ERR_CONFIG', 'proof must be { signature, sealed }', { field: 'proof' });
  const policy = event.policy_context ?? {};
  const human = event.human_intervention ?? {};
  const fieldsPresent: Record<string, Record<string, boolean>> = {};
  for (const name of CONTEXT_NAMES) {
    const context = (event[name] ?? {}) as Record<string, unknown>;
    fieldsPresent[name] = Object.fromEntries(Object.keys(CONTEXT_RULES[name]).map((f) => [f, has(context[f])]));
  }
  return {
    time_machine_defense: has(policy.policy_version) && has(policy.policy_hash),
    eu_ai_act_article_12: has(receivedAt) && has(event.model_context) && (has(event.session_context) || has(event.data_provenance)),
    eu_ai_act_article_14_human_oversight:
      typeof human.required === 'boolean' && (human.required === false || (has(human.reviewer) && has(human.reviewed_at))),
    full_traceability: has(event.trace_id) && has(event.model_context) && has(event.data_provenance),
    non_repudiation: proof.signature,
    immutable_record: proof.sealed,
    fields_present: fieldsPresent,
  };
}
