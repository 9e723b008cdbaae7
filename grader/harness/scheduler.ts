/**
 * Helpers for tests that explore interleavings with fast-check's scheduler (fc.scheduler()).
 *
 * The scheduler decides in which order pending promises resolve; a property then holds for every order
 * fast-check tries, and a failure prints the exact order (the scheduler's report) that broke it.
 */
import type fc from "fast-check";

export interface Observed<T> {
  readonly promise: Promise<T>;
  /** "pending" until the promise settles. */
  readonly state: () => "pending" | "fulfilled" | "rejected";
  readonly value: () => T | undefined;
  readonly reason: () => unknown;
}

/** Watch a promise without changing it: its state can be read synchronously afterwards. */
export function observe<T>(promise: Promise<T>): Observed<T> {
  let state: "pending" | "fulfilled" | "rejected" = "pending";
  let value: T | undefined;
  let reason: unknown;
  promise.then(
    (v) => {
      state = "fulfilled";
      value = v;
    },
    (e: unknown) => {
      state = "rejected";
      reason = e;
    },
  );
  return { promise, state: () => state, value: () => value, reason: () => reason };
}

/**
 * Let the scheduler run everything it can, then fail if any observed call never settled: with nothing
 * left to schedule, a call still pending is waiting for something that will never happen (a deadlock,
 * a lock never released, a lost wake-up).
 */
export async function expectAllSettle(
  s: fc.Scheduler,
  calls: readonly Observed<unknown>[],
  what = "calls",
): Promise<void> {
  await s.waitIdle();
  // A few extra turns of the microtask queue let settled promises run their callbacks.
  for (let i = 0; i < 10; i++) await Promise.resolve();
  const stuck = calls.filter((c) => c.state() === "pending").length;
  if (stuck > 0) {
    throw new Error(
      `${stuck} of ${calls.length} ${what} never finished although nothing else could run: a deadlock, or something never released or woken.\n${s.report().length} scheduled steps ran.`,
    );
  }
}

/**
 * For code that only awaits promises (no timers, no I/O): one turn of the event loop runs every pending
 * microtask, so after it any call still pending can never finish. Fails naming how many are stuck.
 */
export async function expectSettledAfterMicrotasks(
  calls: readonly Observed<unknown>[],
  what = "calls",
): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  const stuck = calls.filter((c) => c.state() === "pending").length;
  if (stuck > 0) {
    throw new Error(
      `${stuck} of ${calls.length} ${what} never finished: a deadlock, or something never released or woken.`,
    );
  }
}

/** Counts how many callers are inside a region at once; `max` is the most ever seen together. */
export class OverlapProbe {
  private inside = 0;
  max = 0;

  enter(): void {
    this.inside++;
    this.max = Math.max(this.max, this.inside);
  }

  leave(): void {
    this.inside--;
  }

  get current(): number {
    return this.inside;
  }
}

/** Reject after the scheduler releases it, with a recognisable error (for "errors reach the caller" properties). */
export class PlannedFailure extends Error {
  constructor(readonly id: number) {
    super(`planned failure #${id}`);
    this.name = "PlannedFailure";
  }
}

/**
 * Collect the promise rejections nobody handles, from now until `stop()`. Node reports such a rejection
 * only after the microtasks of the current turn have run, so `stop()` first waits one turn of the event
 * loop. For fire-and-forget code: in a real Node process an unhandled rejection ends the program.
 */
export function watchUnhandledRejections(): { stop(): Promise<unknown[]> } {
  const seen: unknown[] = [];
  const listener = (reason: unknown): void => {
    seen.push(reason);
  };
  process.on("unhandledRejection", listener);
  return {
    async stop() {
      await new Promise<void>((resolve) => setImmediate(resolve));
      process.off("unhandledRejection", listener);
      return seen;
    },
  };
}
