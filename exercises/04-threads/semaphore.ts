/**
 * Exercise 04-threads/semaphore — a counting semaphore on a SharedArrayBuffer.
 *
 * A semaphore is a number of permits shared by threads, like flags at a street crossing: take a flag to
 * cross, put it back on the other side; with no flag left you wait. Here the count lives in shared
 * memory, so threads (worker_threads, each with its own event loop) can use the same semaphore: post
 * `semaphore.handle` to a worker and `Semaphore.attach` it there.
 *
 * Every access to the count goes through `atomics` (an AtomicsLike, by default the global Atomics),
 * never through the Int32Array directly: the tests hand in one that controls the interleaving.
 *
 * Read first: chapters/04-threads/README.md#semaphores-flags-at-a-street-crossing
 * Check yourself: npm test -- semaphore        Stuck? npm run hint -- semaphore
 */
import type { AtomicsLike } from "./atomics.ts";

export type { AtomicsLike };

/** Where a semaphore lives: plain data, so it can be posted to a worker (the buffer stays shared). */
export interface SemaphoreHandle {
  readonly buffer: SharedArrayBuffer;
  readonly byteOffset: number;
}

/** Node 20 has Atomics.waitAsync; the ES2023 typings this course compiles against do not. */
const defaultAtomics = Atomics as unknown as AtomicsLike;

/**
 * Its count is an Int32: `create` takes a whole number of permits from 0 to 2³¹ − 1 and `release` a whole
 * number from 1 to 2³¹ − 1; anything else is refused with a RangeError, and a refused call changes nothing.
 */
export class Semaphore {
  // TODO: keep the Int32Array view of the count and the AtomicsLike to reach it with.

  private constructor() {}

  /**
   * A new semaphore with `permits` free permits, in a SharedArrayBuffer of its own. RangeError unless
   * `permits` is a non-negative whole number.
   */
  static create(permits: number, atomics: AtomicsLike = defaultAtomics): Semaphore {
    // TODO: check `permits`, allocate the shared memory, store the count through `atomics`.
    throw new Error(
      "TODO: Semaphore.create is not implemented yet (chapters/04-threads/README.md#semaphores-flags-at-a-street-crossing)",
    );
  }

  /** The same semaphore as `handle` (typically one created in another thread). */
  static attach(handle: SemaphoreHandle, atomics: AtomicsLike = defaultAtomics): Semaphore {
    throw new Error("TODO: Semaphore.attach is not implemented yet");
  }

  get handle(): SemaphoreHandle {
    throw new Error("TODO: Semaphore.handle is not implemented yet");
  }

  /** Free permits right now (by the time you read it, another thread may have changed it). */
  get available(): number {
    throw new Error("TODO: Semaphore.available is not implemented yet");
  }

  /** Take a permit if one is free; never blocks. */
  tryAcquire(): boolean {
    // TODO: read the count; if it is > 0, take one with compareExchange (and look again if it changed).
    throw new Error("TODO: Semaphore.tryAcquire is not implemented yet");
  }

  /**
   * Take a permit, sleeping while none is free. Gives up after `timeoutMs` (default: never) and then
   * returns false, holding nothing. Blocks the calling thread: use it in workers, not on the main thread.
   */
  acquire(timeoutMs = Infinity): boolean {
    // TODO: try; while no permit is free and time is left, sleep with atomics.wait on the count.
    throw new Error("TODO: Semaphore.acquire is not implemented yet");
  }

  /** Like acquire, but waits without blocking the thread's event loop (Atomics.waitAsync). */
  async acquireAsync(timeoutMs = Infinity): Promise<boolean> {
    // TODO: like acquire, with atomics.waitAsync; hold a timer while you await (see the notes).
    throw new Error("TODO: Semaphore.acquireAsync is not implemented yet");
  }

  /** Put back `n` permits (a positive whole number, default 1) and wake up to `n` sleeping threads. */
  release(n = 1): void {
    // TODO: check n (RangeError), add n to the count, notify up to n waiters.
    throw new Error("TODO: Semaphore.release is not implemented yet");
  }
}
