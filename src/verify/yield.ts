/**
 * Gives the host a turn between two batches of an audit, so that a page can paint the progress
 * its caller just drew. Node's `setImmediate` lets I/O and timers run without the 1 ms that
 * Node's `setTimeout(0)` waits (60 ms per 10^6 receipts for a caller that asks for progress); a
 * page and a Worker have only `setTimeout`.
 */
export function yieldToHost(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
  return new Promise((resolve) => (immediate ? immediate(resolve) : setTimeout(resolve, 0)));
}
