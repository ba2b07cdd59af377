import type { Check } from '../verify/index.js';

/** One line per check: ✓ passed, ✗ failed with its reason, – skipped with why (never shown as passed). */
export function checkLine(name: string, check: Check, extra = ''): string {
  if (check.status === 'passed') return `✓ ${name}${extra}`;
  if (check.status === 'failed') return `✗ ${name}: ${check.reason}`;
  return `– ${name}: skipped, ${check.reason}`;
}
