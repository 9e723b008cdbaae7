/**
 * Exercise 04-threads/barrier — a reusable barrier for threads.
 *
 * A barrier holds threads until all `parties` of them have arrived, then lets them all go on, and then
 * works again for the next round. Threads typically compute a step, meet at the barrier, compute the
 * next step: nobody may start round r + 1 before everyone has finished round r, and a fast thread must
 * never lap the others (slip through the next round's barrier while someone still waits in this one).
 *
 * Every access to the barrier's shared state goes through `atomics` (an AtomicsLike, by default the
 * global Atomics): the tests hand in one that controls the interleaving.
 *
 * Read first: chapters/04-threads/README.md#barriers-meet-then-go-on
 * Check yourself: npm test -- barrier        Stuck? npm run hint -- barrier
 */
import type { AtomicsLike } from "./atomics.ts";

export type { AtomicsLike };

/** Where a barrier lives: plain data, so it can be posted to a worker (the buffer stays shared). */
export interface BarrierHandle {
  readonly buffer: SharedArrayBuffer;
  readonly byteOffset: number;
}

/** Node 20 has Atomics.waitAsync; the ES2023 typings this course compiles against do not. */
const defaultAtomics = Atomics as unknown as AtomicsLike;

/** Int32 slots: threads arrived in this round, the round ("generation") number, the number of parties. */
const ARRIVED = 0;
const ROUND = 1;
const PARTIES = 2;

export class Barrier {
  private readonly cells: Int32Array;

  private constructor(
    private readonly where: BarrierHandle,
    private readonly atomics: AtomicsLike,
  ) {
    this.cells = new Int32Array(where.buffer, where.byteOffset, 3);
  }

  /**
   * A new barrier for `parties` threads (RangeError unless a whole number from 1 to 2³¹ − 1), in a buffer
   * of its own.
   */
  static create(parties: number, atomics: AtomicsLike = defaultAtomics): Barrier {
    if (!Number.isInteger(parties) || parties < 1 || parties > 0x7fffffff) {
      throw new RangeError(`parties must be a whole number ≥ 1, got ${parties}`);
    }
    const barrier = new Barrier({ buffer: new SharedArrayBuffer(3 * 4), byteOffset: 0 }, atomics);
    atomics.store(barrier.cells, PARTIES, parties);
    return barrier;
  }

  /** The same barrier as `handle` (typically one created in another thread). */
  static attach(handle: BarrierHandle, atomics: AtomicsLike = defaultAtomics): Barrier {
    return new Barrier({ buffer: handle.buffer, byteOffset: handle.byteOffset }, atomics);
  }

  get handle(): BarrierHandle {
    return { buffer: this.where.buffer, byteOffset: this.where.byteOffset };
  }

  get parties(): number {
    return this.atomics.load(this.cells, PARTIES);
  }

  /**
   * Block until all parties have called wait() in this round, then return this thread's arrival index
   * in the round (0 for the first to arrive, parties − 1 for the last). Blocks the calling thread.
   */
  wait(): number {
    const parties = this.atomics.load(this.cells, PARTIES);
    // Read the round before arriving: once we have arrived, the last thread may end the round at any time.
    const round = this.atomics.load(this.cells, ROUND);
    const arrival = this.atomics.add(this.cells, ARRIVED, 1);
    if (arrival === parties - 1) {
      // The last to arrive resets the count for the next round, then opens this one for everybody.
      this.atomics.store(this.cells, ARRIVED, 0);
      this.atomics.add(this.cells, ROUND, 1);
      this.atomics.notify(this.cells, ROUND);
      return arrival;
    }
    // Sleep until the round number moves on; "not-equal" means it already did.
    while (this.atomics.load(this.cells, ROUND) === round) this.atomics.wait(this.cells, ROUND, round);
    return arrival;
  }
}
