/**
 * Numeric options laid over their defaults, each checked, for the server's `limits`, the connection limits of
 * `listen()` and the trace wrapper's `limits`: an unknown name is refused (a misspelt limit would stay at its
 * default unseen), an undefined one keeps its default (a spread would make it undefined, and every comparison
 * with it false: no limit), and `why` judges the rest. A mistake is ERR_CONFIG naming `<prefix>.<name>`.
 */
import { AegisLogError } from './errors.js';

/** What is wrong with `value` for the limit `name` (`"a whole number ≥ 1"`), or undefined when it will do. */
export type LimitRule = (name: string, value: unknown) => string | undefined;

export function limitsOver<T extends object>(defaults: T, given: unknown, prefix: string, why: LimitRule): T {
  if (given !== undefined && (typeof given !== 'object' || given === null)) throw new AegisLogError('ERR_CONFIG', `${prefix} must be an object`, { field: prefix });
  const limits = { ...defaults };
  for (const [name, value] of Object.entries(given ?? {})) {
    const field = `${prefix}.${name}`;
    if (!Object.hasOwn(defaults, name)) throw new AegisLogError('ERR_CONFIG', `${field} is not a limit (known: ${Object.keys(defaults).join(', ')})`, { field });
    if (value === undefined) continue;
    const wrong = why(name, value);
    if (wrong) throw new AegisLogError('ERR_CONFIG', `${field} must be ${wrong}`, { field });
    (limits as Record<string, unknown>)[name] = value;
  }
  return limits;
}

/** A rule: a whole number from `min` up. */
export const wholeFrom =
  (min: number): LimitRule =>
  (_name, value) =>
    Number.isSafeInteger(value) && (value as number) >= min ? undefined : `a whole number ≥ ${min}`;
