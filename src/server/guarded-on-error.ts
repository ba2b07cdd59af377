import { AegisLogError } from '../protocol/errors.js';

/**
 * The operator's `onError` (or the console's), safe to call from anywhere: one that throws (a logger that failed) must not
 * fail the request or the loop that reported, nor reject a promise that nobody awaits, which as an
 * unhandled rejection ends a Node process. What it threw has nowhere left to go.
 */
export function guardedOnError(onError: ((error: unknown, errorId: string) => void) | undefined): (error: unknown, errorId: string) => void {
  // A logger object given for its method (`onError: logger`) threw at each report, which the guard below dropped: every error unlogged.
  if (onError != null && typeof onError !== 'function') throw new AegisLogError('ERR_CONFIG', 'onError must be a function (error, errorId) => void, such as (e, id) => logger.error(e, id)', { field: 'onError' });
  // Without one, the error goes to the console with its id, which the 500 answer names.
  onError ??= (error, id) => console.error(`aegislog: internal error ${id}`, error);
  return (error, errorId) => {
    try {
      onError(error, errorId);
    } catch {
      // Reporting failed: the caller goes on as if it had not.
    }
  };
}
