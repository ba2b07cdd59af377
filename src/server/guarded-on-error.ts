/**
 * The operator's `onError` (or the console's), safe to call from anywhere: one that throws (a logger that failed) must not
 * fail the request or the loop that reported, nor reject a promise that nobody awaits, which as an
 * unhandled rejection ends a Node process. What it threw has nowhere left to go.
 */
export function guardedOnError(onError: ((error: unknown, errorId: string) => void) | undefined): (error: unknown, errorId: string) => void {
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
