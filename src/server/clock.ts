/**
 * The server's clock policy for `received_at` (issue: clock jumps). Receipts
 * follow the wall clock, except that a forward step larger than `maxStep`
 * relative to the monotonic clock is not followed: time then advances with the
 * monotonic clock from the last good reading, and the step is reported. When
 * the wall clock comes back within the step (the jump was corrected), it is
 * followed again; a restart also accepts the wall clock as it is. A backward
 * step needs no rule here: `received_at` never decreases along a log (§4.1).
 *
 * So a clock set 30 days ahead for a while never stamps a receipt 30 days
 * ahead, and never leaves evidence pending for a month once it is corrected.
 */
export interface GuardedClock {
  /** Epoch milliseconds to stamp with. */
  (): number;
  /** The forward step being ignored now (ms), 0 when the wall clock is followed. */
  ignoredStep(): number;
}

export function guardedClock(wall: () => number, monotonic: () => number, maxStep: number, onStep?: (stepMs: number) => void): GuardedClock {
  let anchorWall = wall();
  let anchorMono = monotonic();
  let ignored = 0;
  const now = () => {
    const w = wall();
    const m = monotonic();
    const expected = anchorWall + (m - anchorMono);
    if (w > expected + maxStep) {
      if (ignored === 0) onStep?.(w - expected);
      ignored = w - expected;
      return expected;
    }
    ignored = 0;
    anchorWall = w;
    anchorMono = m;
    return w;
  };
  return Object.assign(now, { ignoredStep: () => ignored });
}
