/**
 * The result of one named check: passed, failed with a reason, or skipped with
 * why (nothing to check it against, or not asked for). Skipped is a state of its
 * own and never counts as passed: `ok` is true for `passed` only.
 */
export type CheckStatus = 'passed' | 'failed' | 'skipped';

export interface Check {
  status: CheckStatus;
  /** `status === 'passed'`. */
  ok: boolean;
  /** Why it failed or was skipped. */
  reason?: string;
}

export function passed(): Check {
  return { status: 'passed', ok: true };
}

export function failed(reason: string): Check {
  return { status: 'failed', ok: false, reason };
}

/** `n` with its words, singular for one: `counted(1, 'pair not checked', 'pairs not checked')` → `'1 pair not checked'`. */
export function counted(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function skipped(reason: string): Check {
  return { status: 'skipped', ok: false, reason };
}
