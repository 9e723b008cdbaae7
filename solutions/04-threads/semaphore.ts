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

/** The count of free permits is the one Int32 at the handle's offset. */
const COUNT = 0;

function checkWhole(value: number, least: number, what: string): void {
  if (!Number.isInteger(value) || value < least || value > 0x7fffffff) {
    throw new RangeError(`${what} must be a whole number ≥ ${least}, got ${value}`);
  }
}

/**
 * Its count is an Int32: `create` takes a whole number of permits from 0 to 2³¹ − 1 and `release` a whole
 * number from 1 to 2³¹ − 1; anything else is refused with a RangeError, and a refused call changes nothing.
 */
export class Semaphore {
  private readonly cells: Int32Array;

  private constructor(
    private readonly where: SemaphoreHandle,
    private readonly atomics: AtomicsLike,
  ) {
    this.cells = new Int32Array(where.buffer, where.byteOffset, 1);
  }

  /**
   * A new semaphore with `permits` free permits, in a SharedArrayBuffer of its own. RangeError unless
   * `permits` is a non-negative whole number.
   */
  static create(permits: number, atomics: AtomicsLike = defaultAtomics): Semaphore {
    checkWhole(permits, 0, "permits");
    const semaphore = new Semaphore({ buffer: new SharedArrayBuffer(4), byteOffset: 0 }, atomics);
    atomics.store(semaphore.cells, COUNT, permits);
    return semaphore;
  }

  /** The same semaphore as `handle` (typically one created in another thread). */
  static attach(handle: SemaphoreHandle, atomics: AtomicsLike = defaultAtomics): Semaphore {
    return new Semaphore({ buffer: handle.buffer, byteOffset: handle.byteOffset }, atomics);
  }

  get handle(): SemaphoreHandle {
    return { buffer: this.where.buffer, byteOffset: this.where.byteOffset };
  }

  /** Free permits right now (by the time you read it, another thread may have changed it). */
  get available(): number {
    return this.atomics.load(this.cells, COUNT);
  }

  /** Take a permit if one is free; never blocks. */
  tryAcquire(): boolean {
    for (;;) {
      const free = this.atomics.load(this.cells, COUNT);
      if (free <= 0) return false;
      // Take it only if nobody changed the count since we read it; otherwise look again.
      if (this.atomics.compareExchange(this.cells, COUNT, free, free - 1) === free) return true;
    }
  }

  /**
   * Take a permit, sleeping while none is free. Gives up after `timeoutMs` (default: never) and then
   * returns false, holding nothing. Blocks the calling thread: use it in workers, not on the main thread.
   */
  acquire(timeoutMs = Infinity): boolean {
    const deadline = performance.now() + Math.max(0, timeoutMs);
    for (;;) {
      if (this.tryAcquire()) return true;
      const left = deadline - performance.now();
      if (left <= 0) return false;
      // Sleep only while the count is still 0: a release between our look and this wait makes it
      // return "not-equal" at once, so no wake-up is lost.
      this.atomics.wait(this.cells, COUNT, 0, left);
    }
  }

  /** Like acquire, but waits without blocking the thread's event loop (Atomics.waitAsync). */
  async acquireAsync(timeoutMs = Infinity): Promise<boolean> {
    const deadline = performance.now() + Math.max(0, timeoutMs);
    for (;;) {
      if (this.tryAcquire()) return true;
      const left = deadline - performance.now();
      if (left <= 0) return false;
      const waiting = this.atomics.waitAsync(this.cells, COUNT, 0, left);
      if (!waiting.async) continue;
      // A pending waitAsync does not keep Node's event loop alive: hold a timer while we wait. It must
      // outlast the wait (a timer due at the same moment could fire first and let the thread exit).
      const keepAlive = setTimeout(() => {}, 2 ** 31 - 1);
      try {
        await waiting.value;
      } finally {
        clearTimeout(keepAlive);
      }
    }
  }

  /** Put back `n` permits (a positive whole number, default 1) and wake up to `n` sleeping threads. */
  release(n = 1): void {
    checkWhole(n, 1, "release(n): n");
    this.atomics.add(this.cells, COUNT, n);
    this.atomics.notify(this.cells, COUNT, n);
  }
}
