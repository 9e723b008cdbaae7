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

export class Barrier {
  // TODO: keep an Int32Array view of the barrier's shared state and the AtomicsLike to reach it with.

  private constructor() {}

  /**
   * A new barrier for `parties` threads (RangeError unless a whole number from 1 to 2³¹ − 1), in a buffer
   * of its own.
   */
  static create(parties: number, atomics: AtomicsLike = defaultAtomics): Barrier {
    // TODO: check `parties`, allocate the shared state (how many arrived, which round, how many parties).
    throw new Error(
      "TODO: Barrier.create is not implemented yet (chapters/04-threads/README.md#barriers-meet-then-go-on)",
    );
  }

  /** The same barrier as `handle` (typically one created in another thread). */
  static attach(handle: BarrierHandle, atomics: AtomicsLike = defaultAtomics): Barrier {
    throw new Error("TODO: Barrier.attach is not implemented yet");
  }

  get handle(): BarrierHandle {
    throw new Error("TODO: Barrier.handle is not implemented yet");
  }

  get parties(): number {
    throw new Error("TODO: Barrier.parties is not implemented yet");
  }

  /**
   * Block until all parties have called wait() in this round, then return this thread's arrival index
   * in the round (0 for the first to arrive, parties − 1 for the last). Blocks the calling thread.
   */
  wait(): number {
    // TODO: note the round, arrive (atomics.add); the last one resets the count, moves the round on and
    //       notifies; the others sleep (atomics.wait) until the round number changes.
    throw new Error("TODO: Barrier.wait is not implemented yet");
  }
}
