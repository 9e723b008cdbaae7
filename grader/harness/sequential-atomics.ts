/**
 * An AtomicsLike for code run on the test thread alone (sequential model tests). It is the real Atomics
 * for everything that cannot block, and it counts operations. A wait that could sleep is the problem on
 * the test thread: nothing else exists to change the value, so a wait without a timeout would sleep for
 * ever (and the test thread must never block). That one throws, with a message for the learner; a short
 * finite timeout (at most 50 ms) really elapses, as it would in a thread that nobody wakes.
 */
import { type AtomicsLike, realAtomics } from "./threads-protocol.ts";

/** The longest wait this AtomicsLike sleeps through on the test thread. */
export const MAX_SEQUENTIAL_WAIT_MS = 50;

export interface CountingAtomics extends AtomicsLike {
  /** Operations performed so far. */
  readonly operations: number;
}

export function sequentialAtomics(): CountingAtomics {
  let operations = 0;
  /** The real operation, counted. */
  const counted =
    <A extends unknown[], R>(op: (...args: A) => R) =>
    (...args: A): R => {
      operations++;
      return op(...args);
    };
  return {
    get operations() {
      return operations;
    },
    load: counted((a: Int32Array, i: number) => realAtomics.load(a, i)),
    store: counted((a: Int32Array, i: number, v: number) => realAtomics.store(a, i, v)),
    add: counted((a: Int32Array, i: number, v: number) => realAtomics.add(a, i, v)),
    sub: counted((a: Int32Array, i: number, v: number) => realAtomics.sub(a, i, v)),
    compareExchange: counted((a: Int32Array, i: number, e: number, r: number) =>
      realAtomics.compareExchange(a, i, e, r),
    ),
    notify: counted((a: Int32Array, i: number, n?: number) => realAtomics.notify(a, i, n)),
    wait(a, i, v, timeoutMs) {
      operations++;
      if (realAtomics.load(a, i) !== v) return "not-equal";
      const timeout = timeoutMs === undefined || Number.isNaN(timeoutMs) ? Infinity : timeoutMs;
      if (timeout <= 0) return "timed-out";
      if (timeout > MAX_SEQUENTIAL_WAIT_MS) {
        throw new Error(
          `wait(…, ${v}${Number.isFinite(timeout) ? `, ${timeout}` : ""}) would put the only thread to sleep ` +
            (Number.isFinite(timeout) ? `for ${timeout} ms` : "for ever") +
            ": no other thread exists here to change the value or wake it",
        );
      }
      return realAtomics.wait(a, i, v, timeout);
    },
    waitAsync(a, i, v, timeoutMs) {
      operations++;
      return realAtomics.waitAsync(a, i, v, timeoutMs);
    },
  };
}
