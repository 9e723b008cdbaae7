/**
 * Interleavings at microtask grain, and test doubles whose effects land when their promise settles.
 *
 * fc.scheduler() orders *scheduled steps*, and between two of them it lets about fifty microtasks run, so
 * everything the code under test does in a few microtasks after a step (wake a waiter, clear a flag, drain a
 * queue) is over before the test's next step. A bug that lives in that gap, e.g. a newcomer barging past a
 * woken waiter, never shows. A *pacing* decides when each of the test's own activities moves on:
 *
 * - at scheduled-step grain: each pause is a step of fc.scheduler(), then a generated few microtasks;
 * - at microtask grain: each pause is a generated number of microtask turns, 0 included, so an arrival can
 *   land one microtask after a release, and the queue's FIFO order keeps every run deterministic.
 *
 * `pacing()` generates both kinds; a property over it meets coarse reorderings and the microtask gaps.
 * A counterexample prints the pauses of the failing run with their delays.
 */
import fc from "fast-check";
import { expectAllSettle, expectSettledAfterMicrotasks, type Observed } from "./scheduler.ts";

/** Resolves after `n` turns of the microtask queue (0: on the next turn, like `await undefined`). */
export async function microtasks(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

/** Wait for the pacing's next turn; `label` names the step in the report ("caller 2 arrives"). */
export type Pause = (label: string) => Promise<void>;

export interface Pacing {
  /** "scheduled steps" or "microtasks": which grain this run interleaves at. */
  readonly grain: "scheduled steps" | "microtasks";
  readonly pause: Pause;
  /**
   * Let everything run that can, then fail if any of `calls` is still pending: with nothing left to run, it
   * waits for something that never happens (a deadlock, a lost wake-up, a message stranded in a mailbox).
   */
  settle(calls: readonly Observed<unknown>[], what?: string): Promise<void>;
  /** The pauses of the run with their delays, for the counterexample. */
  toString(): string;
}

/** Cycle through generated delays; an empty list means no delay at all. */
function delays(list: readonly number[]): () => number {
  let i = 0;
  return () => (list.length === 0 ? 0 : list[i++ % list.length]!);
}

/**
 * A pacing keeps state (its place in the delays, its log), so fast-check must not reuse one across runs:
 * cloneMethod gives it a fresh copy for each run, shrinking included; toStringMethod prints the log.
 */
function asValue<T extends Pacing>(pacing: T, fresh: () => Pacing): T {
  return Object.assign(pacing, { [fc.toStringMethod]: () => pacing.toString(), [fc.cloneMethod]: fresh });
}

/** Pauses at scheduled-step grain: a step of `s`, then up to a few microtasks of generated jitter. */
export function scheduledPacing(s: fc.Scheduler, jitter: readonly number[] = []): Pacing {
  const next = delays(jitter);
  const log: string[] = [];
  const fresh = () =>
    scheduledPacing((s as unknown as fc.WithCloneMethod<fc.Scheduler>)[fc.cloneMethod](), jitter);
  return asValue(
    {
      grain: "scheduled steps",
      async pause(label: string) {
        await s.schedule(Promise.resolve(), label);
        const ticks = next();
        await microtasks(ticks);
        log.push(ticks === 0 ? label : `${label} (+${ticks} microtasks)`);
      },
      settle: (calls, what) => expectAllSettle(s, calls, what),
      toString: () => `scheduled steps:\n  ${log.join("\n  ")}`,
    },
    fresh,
  );
}

/** Pauses at microtask grain: each pause waits the next of `ticks` (cycled) microtask turns. */
export function microtaskPacing(ticks: readonly number[]): Pacing {
  const next = delays(ticks);
  const log: string[] = [];
  return asValue(
    {
      grain: "microtasks",
      // Not async: no extra microtasks of its own, so `await pause(l)` after a 0 is one microtask later.
      pause(label: string) {
        const n = next();
        log.push(`${label}: ${n} microtasks`);
        return microtasks(n);
      },
      settle: (calls, what) => expectSettledAfterMicrotasks(calls, what),
      toString: () => `microtask pauses, in the order they began:\n  ${log.join("\n  ")}`,
    },
    () => microtaskPacing(ticks),
  );
}

export interface PacingOptions {
  /** Longest microtask pause (default 12): a few more than the code under test needs to hand over. */
  readonly maxTicks?: number;
}

/**
 * Half the runs at scheduled-step grain (fc.scheduler with 0–3 microtasks of jitter after each step; more
 * would outrun the scheduler's own wait for new tasks), half at microtask grain (0–maxTicks per pause,
 * small delays more often: the narrow gaps are what the coarse grain misses). Shrinks toward fewer ticks.
 */
export function pacing({ maxTicks = 12 }: PacingOptions = {}): fc.Arbitrary<Pacing> {
  const ticks = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: maxTicks }));
  return fc.oneof(
    fc
      .tuple(fc.scheduler(), fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 16 }))
      .map(([s, jitter]) => scheduledPacing(s, jitter)),
    fc.array(ticks, { minLength: 1, maxLength: 48 }).map((list) => microtaskPacing(list)),
  );
}

/**
 * Run `effect` when the pause for `label` ends, and settle with its result: a test double's answer and its
 * side effect land together, when its promise settles, not when it is called. Code that forgets to await
 * such a call sees the effect missing.
 */
export async function settleWith<T>(pause: Pause, label: string, effect: () => T): Promise<T> {
  await pause(label);
  return effect();
}

/** A value behind an asynchronous interface, like a database row. */
export interface SettlingCell<T> {
  /** Resolves with the value as it is when the read settles. */
  get(): Promise<T>;
  /** The write lands when its promise settles; two writes in flight land in the order the pacing picks. */
  set(value: T): Promise<void>;
  /** The value now, for the test's own checks. */
  readonly value: T;
}

export function settlingCell<T>(pause: Pause, initial: T, name = "store"): SettlingCell<T> {
  let value = initial;
  return {
    get value() {
      return value;
    },
    get: () => settleWith(pause, `${name}.get()`, () => value),
    set: (next: T) =>
      settleWith(pause, `${name}.set(${String(next)})`, () => {
        value = next;
      }),
  };
}
