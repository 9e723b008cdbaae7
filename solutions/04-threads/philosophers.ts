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

/** Int32 slots: the number of seats, the footman's free places, then one word per fork (0 free, 1 taken). */
const SEATS = 0;
const FOOTMAN = 1;
const FORKS = 2;

export class Table {
  private readonly cells: Int32Array;

  private constructor(
    private readonly where: TableHandle,
    private readonly atomics: AtomicsLike,
  ) {
    const seats = atomics.load(new Int32Array(where.buffer, where.byteOffset, 1), 0);
    this.cells = new Int32Array(where.buffer, where.byteOffset, FORKS + seats);
  }

  /**
   * A table for `seats` philosophers (RangeError unless a whole number from 2 to 2¹⁶), all forks on the
   * table.
   */
  static create(seats: number, atomics: AtomicsLike = defaultAtomics): Table {
    if (!Number.isInteger(seats) || seats < 2 || seats > 1 << 16) {
      throw new RangeError(`seats must be a whole number from 2 to ${1 << 16}, got ${seats}`);
    }
    const buffer = new SharedArrayBuffer((FORKS + seats) * 4);
    atomics.store(new Int32Array(buffer), SEATS, seats);
    const table = new Table({ buffer, byteOffset: 0 }, atomics);
    atomics.store(table.cells, FOOTMAN, seats - 1);
    return table;
  }

  /** The same table as `handle` (typically one created in another thread). */
  static attach(handle: TableHandle, atomics: AtomicsLike = defaultAtomics): Table {
    return new Table({ buffer: handle.buffer, byteOffset: handle.byteOffset }, atomics);
  }

  get handle(): TableHandle {
    return { buffer: this.where.buffer, byteOffset: this.where.byteOffset };
  }

  get seats(): number {
    return this.atomics.load(this.cells, SEATS);
  }

  /** Take both forks of `seat` (0 … seats − 1; RangeError otherwise), waiting as needed. Blocks the calling thread. */
  pickUp(seat: number): void {
    const seats = this.checkSeat(seat);
    // The footman lets at most seats − 1 philosophers reach for forks: then one always gets both.
    this.down(FOOTMAN);
    this.take(FORKS + seat);
    this.take(FORKS + ((seat + 1) % seats));
  }

  /**
   * Put both forks of `seat` back (0 … seats − 1; RangeError otherwise), and leave the footman's place to
   * someone else.
   */
  putDown(seat: number): void {
    const seats = this.checkSeat(seat);
    this.free(FORKS + ((seat + 1) % seats));
    this.free(FORKS + seat);
    this.atomics.add(this.cells, FOOTMAN, 1);
    this.atomics.notify(this.cells, FOOTMAN, 1);
  }

  private checkSeat(seat: number): number {
    const seats = this.seats;
    if (!Number.isInteger(seat) || seat < 0 || seat >= seats) {
      throw new RangeError(`seat must be a whole number from 0 to ${seats - 1}, got ${seat}`);
    }
    return seats;
  }

  /** A semaphore's acquire on cells[at]. */
  private down(at: number): void {
    for (;;) {
      const free = this.atomics.load(this.cells, at);
      if (free > 0 && this.atomics.compareExchange(this.cells, at, free, free - 1) === free) return;
      if (free <= 0) this.atomics.wait(this.cells, at, free);
    }
  }

  /** Take the fork at cells[at]: 0 → 1 in one step, sleeping while a neighbour holds it. */
  private take(at: number): void {
    while (this.atomics.compareExchange(this.cells, at, 0, 1) !== 0) this.atomics.wait(this.cells, at, 1);
  }

  private free(at: number): void {
    this.atomics.store(this.cells, at, 0);
    this.atomics.notify(this.cells, at, 1);
  }
}
