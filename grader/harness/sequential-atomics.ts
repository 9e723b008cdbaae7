/**
 * An AtomicsLike for code run on the test thread alone (sequential model tests). It is the real Atomics
 * for everything that cannot block, and it counts operations. A wait that could sleep is the problem on
 * the test thread: nothing else exists to change the value, so a wait without a timeout would sleep for
 * ever (and the test thread must never block). That one throws, with a message for the learner; a short
 * finite timeout (at most 50 ms) really elapses, as it would in a thread that nobody wakes. Disguised, it
 * also catches code that reaches the shared state without it (SequentialOptions.disguised).
 */
import { type AtomicsLike, realAtomics } from "./threads-protocol.ts";

/** The longest wait this AtomicsLike sleeps through on the test thread. */
export const MAX_SEQUENTIAL_WAIT_MS = 50;

export interface CountingAtomics extends AtomicsLike {
  /** Operations performed so far. */
  readonly operations: number;
}

export interface SequentialOptions {
  /**
   * Keep every value negated in shared memory (see `disguise`). Through this AtomicsLike the values are
   * right; a plain `cells[i]` read sees the negation and a plain write is read back negated, so code that
   * bypasses `atomics` goes visibly wrong.
   */
  readonly disguised?: boolean;
  /** Operations after which the next one throws, so a retry loop that never ends fails instead of hanging (disguised: 100000). */
  readonly maxOperations?: number;
}

/** A one-thread test makes far fewer; a value read by hand makes a retry loop reach it in milliseconds. */
const DISGUISED_MAX_OPERATIONS = 100_000;

/** How a disguised AtomicsLike keeps `v` in memory, and how it reads it back: `-v` as an Int32. */
export const disguise = (v: number): number => -v | 0;

export function sequentialAtomics(options: SequentialOptions = {}): CountingAtomics {
  const { disguised = false, maxOperations = disguised ? DISGUISED_MAX_OPERATIONS : Infinity } = options;
  const stored = disguised ? disguise : (v: number) => v;
  let operations = 0;
  const count = () => {
    if (operations >= maxOperations) {
      throw new Error(
        `more than ${maxOperations} atomics operations on one thread: a retry loop that never ends?` +
          (disguised
            ? " (a value read from the Int32Array instead of through atomics never matches here)"
            : ""),
      );
    }
    operations++;
  };
  return {
    get operations() {
      return operations;
    },
    load(a, i) {
      count();
      return stored(realAtomics.load(a, i));
    },
    store(a, i, v) {
      count();
      return stored(realAtomics.store(a, i, stored(v)));
    },
    add(a, i, v) {
      count();
      return stored(disguised ? realAtomics.sub(a, i, v) : realAtomics.add(a, i, v));
    },
    sub(a, i, v) {
      count();
      return stored(disguised ? realAtomics.add(a, i, v) : realAtomics.sub(a, i, v));
    },
    compareExchange(a, i, expected, replacement) {
      count();
      return stored(realAtomics.compareExchange(a, i, stored(expected), stored(replacement)));
    },
    notify(a, i, n) {
      count();
      return realAtomics.notify(a, i, n);
    },
    wait(a, i, v, timeoutMs) {
      count();
      if (realAtomics.load(a, i) !== stored(v)) return "not-equal";
      const timeout = timeoutMs === undefined || Number.isNaN(timeoutMs) ? Infinity : timeoutMs;
      if (timeout <= 0) return "timed-out";
      if (timeout > MAX_SEQUENTIAL_WAIT_MS) {
        throw new Error(
          `wait(…, ${v}${Number.isFinite(timeout) ? `, ${timeout}` : ""}) would put the only thread to sleep ` +
            (Number.isFinite(timeout) ? `for ${timeout} ms` : "for ever") +
            ": no other thread exists here to change the value or wake it",
        );
      }
      return realAtomics.wait(a, i, stored(v), timeout);
    },
    waitAsync(a, i, v, timeoutMs) {
      count();
      return realAtomics.waitAsync(a, i, stored(v), timeoutMs);
    },
  };
}
