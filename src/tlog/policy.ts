/**
 * C2SP tlog-policy: which logs sign a checkpoint and which cosignatures make it
 * trusted. Parsed strictly; every error is `ERR_POLICY_INVALID` with the line
 * number in the message and in `field` (`line 7`).
 */
import { AegisLogError, bytesEqual } from '../protocol/index.js';
import { NoteKeyType, parseVkey, type NoteVerifierKey } from './vkey.js';

export interface PolicyLog extends NoteVerifierKey {
  url?: string;
}

export interface PolicyWitness {
  /** The policy's own name for the witness (not its key name). */
  name: string;
  key: NoteVerifierKey;
  url?: string;
}

export interface PolicyGroup {
  name: string;
  threshold: number;
  members: string[];
}

/** The quorum as a tree: `none`, one witness, or k of n members. */
export type QuorumRule =
  | { kind: 'none' }
  | { kind: 'witness'; name: string }
  | { kind: 'group'; name: string; threshold: number; members: QuorumRule[] };

export interface Policy {
  logs: PolicyLog[];
  witnesses: PolicyWitness[];
  groups: PolicyGroup[];
  quorum: QuorumRule;
}

/** tlog-policy asks for at least 32 of each. */
export const POLICY_LIMITS = { logs: 256, witnesses: 256, groups: 256, lineLength: 65_536 } as const;

const NONE = 'none';
const LOG_TYPES: readonly number[] = [NoteKeyType.Ed25519, NoteKeyType.EcdsaP256, NoteKeyType.CosignatureV1, NoteKeyType.MlDsa44];
const WITNESS_TYPES: readonly number[] = [NoteKeyType.CosignatureV1, NoteKeyType.MlDsa44];

/** Why `key` cannot be a policy's log key beside `logs` (tlog-policy: its type, no duplicate public key), or undefined. */
export function logKeyProblem(key: NoteVerifierKey, logs: readonly NoteVerifierKey[]): string | undefined {
  if (!LOG_TYPES.includes(key.type)) return `log key type 0x${key.type.toString(16).padStart(2, '0')} cannot sign checkpoints`;
  if (logs.some((l) => bytesEqual(l.key, key.key))) return 'duplicate log: this public key is already listed';
  return undefined;
}

/**
 * Why `key` cannot be a witness beside `witnesses`, or undefined. Two names for one public key are refused:
 * an Ed25519 cosignature does not sign its cosigner's name, so one cosignature would count twice.
 */
export function witnessKeyProblem(key: NoteVerifierKey, witnesses: readonly NoteVerifierKey[]): string | undefined {
  if (!WITNESS_TYPES.includes(key.type)) {
    return `witness key type 0x${key.type.toString(16).padStart(2, '0')} is not a cosignature type (0x04 Ed25519, 0x06 ML-DSA-44)`;
  }
  if (witnesses.some((w) => bytesEqual(w.key, key.key))) return 'duplicate witness: this public key is already listed';
  return undefined;
}

/**
 * Parses a C2SP tlog-policy (the `log`, `witness`, `group` and `quorum` lines that an auditor
 * pins, PROTOCOL.md §4.5); throws `ERR_POLICY_INVALID` naming the line at fault.
 */
export function parsePolicy(text: string): Policy {
  if (typeof text !== 'string') throw new AegisLogError('ERR_POLICY_INVALID', 'policy must be a string', { field: 'policy' });
  const logs: PolicyLog[] = [];
  const witnesses: PolicyWitness[] = [];
  const groups: PolicyGroup[] = [];
  const rules = new Map<string, QuorumRule>([[NONE, { kind: 'none' }]]);
  /** Names already listed as a group member, with the group: each may be listed once in the whole policy. */
  const memberOf = new Map<string, string>();
  let quorum: QuorumRule | undefined;

  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop(); // the last line's newline; a file without one is read the same
  lines.forEach((line, i) => {
    const n = i + 1;
    const fail = (why: string): never => {
      throw new AegisLogError('ERR_POLICY_INVALID', `policy line ${n}: ${why}`, { field: `line ${n}` });
    };
    if (line.length > POLICY_LIMITS.lineLength) fail(`longer than ${POLICY_LIMITS.lineLength} characters`);
    checkChars(line, fail);
    const fields = line.split(/[ \t]+/).filter((f) => f !== '');
    if (fields.length === 0 || fields[0]!.startsWith('#')) return;
    const [keyword, ...args] = fields as [string, ...string[]];
    switch (keyword) {
      case 'log': {
        if (args.length < 1 || args.length > 2) fail('expected "log <vkey> [<url>]"');
        const key = vkey(args[0]!, fail);
        const why = logKeyProblem(key, logs);
        if (why) fail(why);
        if (logs.length >= POLICY_LIMITS.logs) fail(`more than ${POLICY_LIMITS.logs} logs`);
        logs.push(args[1] === undefined ? key : { ...key, url: args[1] });
        return;
      }
      case 'witness': {
        if (args.length < 2 || args.length > 3) fail('expected "witness <name> <vkey> [<url>]"');
        const name = args[0]!;
        if (rules.has(name)) fail(name === NONE ? '"none" is predefined' : `duplicate name "${name}"`);
        const key = vkey(args[1]!, fail);
        const why = witnessKeyProblem(key, witnesses.map((w) => w.key));
        if (why) fail(why);
        if (witnesses.length >= POLICY_LIMITS.witnesses) fail(`more than ${POLICY_LIMITS.witnesses} witnesses`);
        witnesses.push(args[2] === undefined ? { name, key } : { name, key, url: args[2] });
        rules.set(name, { kind: 'witness', name });
        return;
      }
      case 'group': {
        if (args.length < 3) fail('expected "group <name> <all|any|k> <name>..."');
        const [name, k, ...members] = args as [string, string, ...string[]];
        if (rules.has(name)) fail(name === NONE ? '"none" is predefined' : `duplicate name "${name}"`);
        let threshold: number;
        if (k === 'all') threshold = members.length;
        else if (k === 'any') threshold = 1;
        else if (/^[1-9][0-9]{0,8}$/.test(k)) threshold = Number(k);
        else if (/^[0-9]+$/.test(k)) threshold = fail(`threshold "${k}" must be from 1 to the number of members, without leading zeros`);
        else threshold = fail(`threshold "${k}" is not all, any or a decimal number`);
        if (threshold > members.length) fail(`threshold ${threshold} is above the ${members.length} members`);
        const children = members.map((member) => {
          if (member === NONE) fail('"none" cannot be a group member');
          const rule = rules.get(member) ?? fail(`"${member}" is not defined on a line above`);
          const parent = memberOf.get(member);
          if (parent !== undefined) fail(`"${member}" is already a member of "${parent}"`);
          memberOf.set(member, name);
          return rule;
        });
        if (groups.length >= POLICY_LIMITS.groups) fail(`more than ${POLICY_LIMITS.groups} groups`);
        groups.push({ name, threshold, members });
        rules.set(name, { kind: 'group', name, threshold, members: children });
        return;
      }
      case 'quorum': {
        if (args.length !== 1) fail('expected "quorum <name>"');
        if (quorum) fail('a second quorum line');
        quorum = rules.get(args[0]!) ?? fail(`"${args[0]}" is not defined on a line above`);
        return;
      }
      default:
        fail(`unknown keyword "${keyword}"`);
    }
  });
  if (!quorum) throw new AegisLogError('ERR_POLICY_INVALID', 'policy has no quorum line', { field: 'quorum' });
  return { logs, witnesses, groups, quorum };
}

/** Whether the witnesses named (by their policy names) meet the quorum. `quorum none` is always met. */
export function quorumSatisfied(policy: Pick<Policy, 'quorum'>, cosignedWitnessNames: ReadonlySet<string>): boolean {
  if (typeof policy !== 'object' || policy === null) throw notPolicy();
  if (typeof (cosignedWitnessNames as { has?: unknown } | null)?.has !== 'function') {
    throw new AegisLogError('ERR_CONFIG', 'cosignedWitnessNames must be a Set of witness names', { field: 'cosignedWitnessNames' });
  }
  const met = (rule: QuorumRule): boolean => {
    quorumRule(rule);
    if (rule.kind === 'none') return true;
    if (rule.kind === 'witness') return cosignedWitnessNames.has(rule.name);
    let count = 0;
    for (const member of rule.members) if (met(member)) count++;
    return count >= rule.threshold;
  };
  return met(policy.quorum);
}

/** The quorum in words, for reports: `2 of (w1, w2, w3)`. */
export function describeQuorum(rule: QuorumRule): string {
  quorumRule(rule);
  if (rule.kind === 'none') return 'none';
  if (rule.kind === 'witness') return rule.name;
  const inner = rule.members.map(describeQuorum).join(', ');
  const k = rule.threshold === rule.members.length ? 'all' : rule.threshold === 1 ? 'any' : String(rule.threshold);
  return `${rule.name} = ${k} of (${inner})`;
}

/** Policy text that `parsePolicy` reads back to the same policy. */
export function formatPolicy(policy: Policy): string {
  const p = policy as Partial<Policy> | null;
  if (typeof p !== 'object' || p === null || !Array.isArray(p.logs) || !Array.isArray(p.witnesses) || !Array.isArray(p.groups)) throw notPolicy();
  quorumRule(policy.quorum);
  // What parsePolicy returns, entry by entry: else a TypeError, or a line such as "log undefined" that parsePolicy refuses.
  const entry = (ok: boolean, field: string) => {
    if (!ok) throw new AegisLogError('ERR_POLICY_INVALID', `policy ${field} is not what parsePolicy returns`, { field });
  };
  const str = (v: unknown) => typeof v === 'string';
  const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});
  Array.from(policy.logs, (l, i) => entry(str(obj(l).text) && (obj(l).url === undefined || str(obj(l).url)), `logs[${i}]`));
  Array.from(policy.witnesses, (w, i) => entry(str(obj(w).name) && str(obj(obj(w).key).text) && (obj(w).url === undefined || str(obj(w).url)), `witnesses[${i}]`));
  Array.from(policy.groups, (g, i) => entry(str(obj(g).name) && Number.isInteger(obj(g).threshold) && Array.isArray(obj(g).members), `groups[${i}]`));
  const out: string[] = [];
  for (const log of policy.logs) out.push(`log ${log.text}${log.url === undefined ? '' : ` ${log.url}`}`);
  for (const w of policy.witnesses) out.push(`witness ${w.name} ${w.key.text}${w.url === undefined ? '' : ` ${w.url}`}`);
  for (const g of policy.groups) out.push(`group ${g.name} ${g.threshold} ${g.members.join(' ')}`);
  out.push(`quorum ${policy.quorum.kind === 'none' ? NONE : policy.quorum.name}`);
  /** The entry written as line `n` (from 0) of `out`. */
  const fieldOf = (n: number): string => {
    const lists = [['logs', policy.logs.length], ['witnesses', policy.witnesses.length], ['groups', policy.groups.length]] as const;
    for (const [name, length] of lists) {
      if (n < length) return `${name}[${n}]`;
      n -= length;
    }
    return 'quorum';
  };
  // A newline in a name or URL would end its line early, and parsePolicy would read the rest as lines of their own.
  const split = out.findIndex((line) => line.includes('\n'));
  if (split >= 0) throw new AegisLogError('ERR_POLICY_INVALID', `policy ${fieldOf(split)} holds a newline`, { field: fieldOf(split) });
  const text = `${out.join('\n')}\n`;
  // Entries of the right shape may still make text parsePolicy refuses (a quorum naming no witness, a name with a space).
  try {
    parsePolicy(text);
  } catch (cause) {
    const line = /^line (\d+)$/.exec((cause as AegisLogError).field ?? '');
    const field = fieldOf(line ? Number(line[1]) - 1 : out.length - 1);
    throw new AegisLogError('ERR_POLICY_INVALID', `policy ${field} makes text parsePolicy refuses: ${(cause as Error).message}`, { field, cause });
  }
  return text;
}

function notPolicy(): AegisLogError {
  return new AegisLogError('ERR_POLICY_INVALID', 'policy must be what parsePolicy returns', { field: 'policy' });
}

/** Throws unless `rule` is a quorum rule this module can read (a caller's value, not parsed here): one node, its members read as they are reached. */
function quorumRule(rule: unknown): asserts rule is QuorumRule {
  const r = rule as Partial<Record<'kind' | 'name' | 'threshold' | 'members', unknown>> | null;
  const ok = typeof r === 'object' && r !== null && (
    r.kind === 'none' ||
    (r.kind === 'witness' && typeof r.name === 'string') ||
    (r.kind === 'group' && typeof r.name === 'string' && typeof r.threshold === 'number' && Array.isArray(r.members))
  );
  if (!ok) throw new AegisLogError('ERR_POLICY_INVALID', 'quorum must be a quorum rule of what parsePolicy returns (none, a witness or a group)', { field: 'quorum' });
}

function vkey(text: string, fail: (why: string) => never): NoteVerifierKey {
  try {
    return parseVkey(text);
  } catch (error) {
    return fail((error as Error).message);
  }
}

/** tlog-policy "Character set": tab, newline, 0x20–0x7E and anything non-ASCII (here: well-formed UTF-16). */
function checkChars(line: string, fail: (why: string) => never): void {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x09 || (c >= 0x20 && c < 0x7f)) continue;
    if (c >= 0x80 && (c < 0xd800 || c > 0xdfff)) continue;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < line.length) {
      const d = line.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
    }
    if (c === 0x0d) fail('carriage return (0x0d): lines must end in a newline only');
    fail(c >= 0xd800 ? `lone surrogate at column ${i + 1}` : `control character 0x${c.toString(16).padStart(2, '0')} at column ${i + 1}`);
  }
}
