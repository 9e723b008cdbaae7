/**
 * A bound on how long a test waits for something another thread or process does.
 *
 * vitest's own timeout only says "test timed out"; a deadline on each step names the step that hung
 * (the reply, the exit, the gate), and lets the test end what it started instead of waiting for vitest.
 */
import { TEST_TIMEOUT_MS, testTimeoutMs } from "../src/vitest/env.ts";

/** The error of a missed deadline, so a test can tell "too slow" from "failed". */
export class DeadlineError extends Error {
  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`${what} did not finish within ${ms} ms`);
    this.name = "DeadlineError";
  }
}

/** setTimeout turns anything above this into 1 ms, which would make a generous deadline fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Settle like `promise`, or reject with a DeadlineError ("<what> did not finish within <ms> ms") if it takes
 * longer. The timer is cleared as soon as `promise` settles, so a met deadline never keeps the process alive.
 */
export function withDeadline<T>(promise: PromiseLike<T>, ms: number, what: string): Promise<T> {
  if (!(ms >= 0 && ms <= MAX_TIMER_MS)) {
    throw new RangeError(`deadline for ${what} must be between 0 and ${MAX_TIMER_MS} ms, got ${ms}`);
  }
  // Written out rather than Promise.race: the losing branch of a race would be a rejection nobody handles.
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new DeadlineError(what, ms)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * Poll `condition` until it holds, or throw an Error "<what> (waited <ms> ms)": a bounded wait for a
 * state another thread or process reaches, so a test that never gets there fails by name, not by timeout.
 */
export async function eventually(condition: () => boolean, what: string, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`${what} (waited ${ms} ms)`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/**
 * `ms` as written for the default per-test limit, scaled as this run's limit is: on a slow machine graded
 * with a raised limit (`npm run grade -- --timeout`, verify's slack for solutions) a bounded wait, or a
 * test's own longer limit, grows with it instead of giving up long before the test would.
 */
export function scaledWait(ms: number): number {
  if (!(ms > 0)) throw new RangeError(`a wait must be a positive number of ms, got ${ms}`);
  return Math.round((ms * Math.max(testTimeoutMs(), TEST_TIMEOUT_MS)) / TEST_TIMEOUT_MS);
}
