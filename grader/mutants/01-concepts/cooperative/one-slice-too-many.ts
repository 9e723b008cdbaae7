// Mutant: "step <= stepsPerSlice" — an off-by-one that runs one step more than allowed in every slice.
export interface CooperativeOptions {
  /** How many steps to run between two turns of the event loop: a positive integer, default 100. */
  readonly stepsPerSlice?: number;
}

/**
 * Run `work` step by step (one `next()` call is one step) until it returns, and resolve with what it
 * returns. After every `stepsPerSlice` steps, let the event loop run its other callbacks (timers,
 * I/O, setImmediate) before going on. If the work throws, reject with that error.
 *
 * @throws RangeError (as a rejection) unless stepsPerSlice is a positive integer.
 * @example
 *   function* sum(n: number) { let total = 0; for (let i = 1; i <= n; i++) { total += i; yield; } return total; }
 *   await runCooperatively(sum(1_000_000), { stepsPerSlice: 1000 }); // → 500000500000, spinner still spinning
 */
export async function runCooperatively<R>(
  work: Iterator<unknown, R, undefined>,
  options: CooperativeOptions = {},
): Promise<R> {
  const stepsPerSlice = options.stepsPerSlice ?? 100;
  if (!Number.isInteger(stepsPerSlice) || stepsPerSlice < 1) {
    throw new RangeError(`stepsPerSlice must be a positive integer, got ${stepsPerSlice}`);
  }
  for (;;) {
    for (let step = 0; step <= stepsPerSlice; step++) {
      // A throw from the work propagates from here and rejects our promise.
      const result = work.next();
      if (result.done) return result.value;
    }
    await nextTurnOfTheEventLoop();
  }
}

/**
 * Resolves after the event loop has run the callbacks that were waiting. A microtask
 * (`await Promise.resolve()`, `queueMicrotask`, `process.nextTick`) would not do: microtasks all run
 * before the loop moves on, so timers and I/O would still starve.
 */
function nextTurnOfTheEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
