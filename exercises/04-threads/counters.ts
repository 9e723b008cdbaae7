/**
 * Exercise 04-threads/counters — atomic versus plain counters across threads.
 *
 * `cells[i]++` on shared memory is three steps (read, add, write), and two threads doing it at once can
 * both read the same value: one increment is lost. `racyCountTo` below does exactly that. Write the
 * three helpers so that no update is ever lost, whatever the other threads do at the same moment, by
 * reaching shared memory only through `atomics` (an AtomicsLike, by default the global Atomics).
 *
 * Read first: chapters/04-threads/README.md#why-x-is-three-steps
 * Check yourself: npm test -- counters        Stuck? npm run hint -- counters
 */
import type { AtomicsLike } from "./atomics.ts";

export type { AtomicsLike };

/** Node 20 has Atomics.waitAsync; the ES2023 typings this course compiles against do not. */
const defaultAtomics = Atomics as unknown as AtomicsLike;

/** The bug to see (run chapters/04-threads/examples/lost-update.ts): correct alone, wrong in company. */
export function racyCountTo(cells: Int32Array, index: number, times: number): void {
  for (let k = 0; k < times; k++) cells[index]!++;
}

/** Add 1 to `cells[index]`, `times` times, losing no update when other threads count at once. */
export function countTo(
  cells: Int32Array,
  index: number,
  times: number,
  atomics: AtomicsLike = defaultAtomics,
): void {
  // TODO: one indivisible read-add-write per increment, through `atomics`.
  throw new Error(
    "TODO: countTo is not implemented yet (chapters/04-threads/README.md#why-x-is-three-steps)",
  );
}

/**
 * Take the next ticket from the dispenser at `cells[index]`: return its current number and move it on
 * by one, so that no two callers (in any threads) ever get the same ticket.
 */
export function takeTicket(cells: Int32Array, index: number, atomics: AtomicsLike = defaultAtomics): number {
  // TODO: read and move on in one step (what does atomics.add return?).
  throw new Error("TODO: takeTicket is not implemented yet");
}

/**
 * Make `cells[index]` at least `value` ("the highest seen so far"), never lowering it; return what it
 * held just before. An offer that is not above what the cell holds, NaN among them, leaves it as it is.
 * Other threads may raise it at the same time: the highest offer must win.
 */
export function raiseTo(
  cells: Int32Array,
  index: number,
  value: number,
  atomics: AtomicsLike = defaultAtomics,
): number {
  // TODO: look, and if it is lower, replace it only if it has not changed since you looked (compareExchange).
  throw new Error("TODO: raiseTo is not implemented yet");
}
