/**
 * Exercise 04-threads/philosophers — dining philosophers that cannot deadlock.
 *
 * `seats` philosophers sit around a table with one fork between each pair of neighbours. To eat, a
 * philosopher needs both forks: the one on the left (fork `seat`) and the one on the right (fork
 * `(seat + 1) % seats`). If every philosopher picks up the left fork and then waits for the right one,
 * all of them wait for ever: a deadlock. Here a footman (Downey's solution) lets at most seats − 1 of
 * them try at once, so at least one can always get both forks.
 *
 * Every access to shared memory goes through `atomics` (an AtomicsLike, by default the global Atomics):
 * the tests hand in one that controls the interleaving.
 *
 * Read first: chapters/04-threads/README.md#dining-philosophers
 * Check yourself: npm test -- philosophers        Stuck? npm run hint -- philosophers
 */
import type { AtomicsLike } from "./atomics.ts";

export type { AtomicsLike };

/** Where a table lives: plain data, so it can be posted to a worker (the buffer stays shared). */
export interface TableHandle {
  readonly buffer: SharedArrayBuffer;
  readonly byteOffset: number;
}

/** Node 20 has Atomics.waitAsync; the ES2023 typings this course compiles against do not. */
const defaultAtomics = Atomics as unknown as AtomicsLike;

export class Table {
  // TODO: an Int32Array over the table's shared state (seats, a footman, one word per fork) and the
  //       AtomicsLike to reach it with.

  private constructor() {}

  /**
   * A table for `seats` philosophers (RangeError unless a whole number from 2 to 2¹⁶), all forks on the
   * table.
   */
  static create(seats: number, atomics: AtomicsLike = defaultAtomics): Table {
    throw new Error(
      "TODO: Table.create is not implemented yet (chapters/04-threads/README.md#dining-philosophers)",
    );
  }

  /** The same table as `handle` (typically one created in another thread). */
  static attach(handle: TableHandle, atomics: AtomicsLike = defaultAtomics): Table {
    throw new Error("TODO: Table.attach is not implemented yet");
  }

  get handle(): TableHandle {
    throw new Error("TODO: Table.handle is not implemented yet");
  }

  get seats(): number {
    throw new Error("TODO: Table.seats is not implemented yet");
  }

  /** Take both forks of `seat` (0 … seats − 1; RangeError otherwise), waiting as needed. Blocks the calling thread. */
  pickUp(seat: number): void {
    // TODO: get past the footman (at most seats − 1 at once), then take fork `seat`, then fork (seat + 1) % seats.
    throw new Error("TODO: Table.pickUp is not implemented yet");
  }

  /**
   * Put both forks of `seat` back (0 … seats − 1; RangeError otherwise), and leave the footman's place to
   * someone else.
   */
  putDown(seat: number): void {
    throw new Error("TODO: Table.putDown is not implemented yet");
  }
}
