/**
 * Exercise 01-concepts/cooperative — long work that keeps the event loop turning.
 *
 * Node runs your JavaScript on one thread, one callback at a time, and never interrupts a callback: a
 * long computation freezes every timer, spinner and network reply until it returns. The cure in a
 * cooperative system is to *yield*: do a slice of the work, give the event loop a turn, and carry on.
 *
 * Here the work is a generator: each `yield` marks the end of one small step. Drive it to the end,
 * handing the event loop a turn after every `stepsPerSlice` steps.
 *
 * Read first: chapters/01-concepts/README.md#the-event-loop-is-nodes-gil
 * Check yourself: npm test -- cooperative        Stuck? npm run hint -- cooperative
 */

export interface CooperativeOptions {
  /** How many steps to run between two turns of the event loop: a positive integer, default 100. */
  readonly stepsPerSlice?: number;
}

/**
 * Run `work` step by step (one `next()` call is one step) until it returns, and resolve with what it
 * returns. After every `stepsPerSlice` steps, let the event loop run its other callbacks (timers,
 * I/O, setImmediate) before going on. If the work throws, reject with that error.
 *
 * @throws RangeError, as a rejection and never at the caller, unless stepsPerSlice is a positive integer;
 *   its message names the bad value.
 * @example
 *   function* sum(n: number) { let total = 0; for (let i = 1; i <= n; i++) { total += i; yield; } return total; }
 *   await runCooperatively(sum(1_000_000), { stepsPerSlice: 1000 }); // → 500000500000, spinner still spinning
 */
export function runCooperatively<R>(
  work: Iterator<unknown, R, undefined>,
  options: CooperativeOptions = {},
): Promise<R> {
  // TODO: call work.next() in slices; between slices wait for a macrotask turn (not a microtask!).
  //       See chapters/01-concepts/README.md#the-event-loop-is-nodes-gil
  throw new Error("TODO: runCooperatively is not implemented yet");
}
