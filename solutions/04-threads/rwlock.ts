/**
 * Exercise 04-threads/rwlock — a readers-writers lock that does not starve writers.
 *
 * Many threads may read shared data at the same time, but a writer needs it alone: no reader and no
 * other writer. A readers-writers lock lets any number of readers in together, or one writer. The
 * catch (Downey's "starvation"): if readers keep arriving, there is always one inside, and a waiting
 * writer never gets its turn. Here a waiting writer closes the door to new readers.
 *
 * Every access to shared memory goes through `atomics` (an AtomicsLike, by default the global Atomics):
 * the tests hand in one that controls the interleaving.
 *
 * Read first: chapters/04-threads/README.md#readers-and-writers
 * Check yourself: npm test -- rwlock        Stuck? npm run hint -- rwlock
 */
import type { AtomicsLike } from "./atomics.ts";

export type { AtomicsLike };

/** Where a lock lives: plain data, so it can be posted to a worker (the buffer stays shared). */
export interface RWLockHandle {
  readonly buffer: SharedArrayBuffer;
  readonly byteOffset: number;
}

/** Node 20 has Atomics.waitAsync; the ES2023 typings this course compiles against do not. */
const defaultAtomics = Atomics as unknown as AtomicsLike;

/**
 * Int32 slots: who holds it (-1 a writer, 0 nobody, n > 0 that many readers), how many writers wait,
 * and a "something changed" counter that every release moves on: threads sleep on it, so no release
 * between a thread's look and its sleep goes unnoticed.
 */
const HOLDERS = 0;
const WRITERS_WAITING = 1;
const CHANGES = 2;
const WRITER = -1;

export class RWLock {
  private readonly cells: Int32Array;

  private constructor(
    private readonly where: RWLockHandle,
    private readonly atomics: AtomicsLike,
  ) {
    this.cells = new Int32Array(where.buffer, where.byteOffset, 3);
  }

  /** A new, free lock in a buffer of its own. */
  static create(atomics: AtomicsLike = defaultAtomics): RWLock {
    return new RWLock({ buffer: new SharedArrayBuffer(3 * 4), byteOffset: 0 }, atomics);
  }

  /** The same lock as `handle` (typically one created in another thread). */
  static attach(handle: RWLockHandle, atomics: AtomicsLike = defaultAtomics): RWLock {
    return new RWLock({ buffer: handle.buffer, byteOffset: handle.byteOffset }, atomics);
  }

  get handle(): RWLockHandle {
    return { buffer: this.where.buffer, byteOffset: this.where.byteOffset };
  }

  /** Enter as a reader: wait while a writer holds the lock or waits for it. Blocks the calling thread. */
  readLock(): void {
    for (;;) {
      const changes = this.atomics.load(this.cells, CHANGES);
      const holders = this.atomics.load(this.cells, HOLDERS);
      // A waiting writer closes the door to new readers: that is what keeps writers from starving.
      if (holders !== WRITER && this.atomics.load(this.cells, WRITERS_WAITING) === 0) {
        if (this.atomics.compareExchange(this.cells, HOLDERS, holders, holders + 1) === holders) return;
        continue;
      }
      this.atomics.wait(this.cells, CHANGES, changes);
    }
  }

  /** Leave as a reader; the last reader out lets a waiting writer in. */
  readUnlock(): void {
    if (this.atomics.sub(this.cells, HOLDERS, 1) === 1) this.changed();
  }

  /** Enter as the only writer: wait until no reader and no other writer holds the lock. */
  writeLock(): void {
    this.atomics.add(this.cells, WRITERS_WAITING, 1);
    for (;;) {
      const changes = this.atomics.load(this.cells, CHANGES);
      if (this.atomics.compareExchange(this.cells, HOLDERS, 0, WRITER) === 0) break;
      this.atomics.wait(this.cells, CHANGES, changes);
    }
    this.atomics.sub(this.cells, WRITERS_WAITING, 1);
  }

  /** Leave as the writer; waiting readers and writers look again. */
  writeUnlock(): void {
    this.atomics.store(this.cells, HOLDERS, 0);
    this.changed();
  }

  private changed(): void {
    this.atomics.add(this.cells, CHANGES, 1);
    this.atomics.notify(this.cells, CHANGES);
  }
}
