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

export class RWLock {
  // TODO: an Int32Array over the lock's shared state and the AtomicsLike to reach it with.

  private constructor() {}

  /** A new, free lock in a buffer of its own. */
  static create(atomics: AtomicsLike = defaultAtomics): RWLock {
    throw new Error(
      "TODO: RWLock.create is not implemented yet (chapters/04-threads/README.md#readers-and-writers)",
    );
  }

  /** The same lock as `handle` (typically one created in another thread). */
  static attach(handle: RWLockHandle, atomics: AtomicsLike = defaultAtomics): RWLock {
    throw new Error("TODO: RWLock.attach is not implemented yet");
  }

  get handle(): RWLockHandle {
    throw new Error("TODO: RWLock.handle is not implemented yet");
  }

  /** Enter as a reader: wait while a writer holds the lock or waits for it. Blocks the calling thread. */
  readLock(): void {
    // TODO: count yourself in (compareExchange) unless a writer holds the lock or waits; else sleep.
    throw new Error("TODO: RWLock.readLock is not implemented yet");
  }

  /** Leave as a reader; the last reader out lets a waiting writer in. */
  readUnlock(): void {
    throw new Error("TODO: RWLock.readUnlock is not implemented yet");
  }

  /** Enter as the only writer: wait until no reader and no other writer holds the lock. */
  writeLock(): void {
    // TODO: say you are waiting (so no new reader comes in), then take the free lock or sleep.
    throw new Error("TODO: RWLock.writeLock is not implemented yet");
  }

  /** Leave as the writer; waiting readers and writers look again. */
  writeUnlock(): void {
    throw new Error("TODO: RWLock.writeUnlock is not implemented yet");
  }
}
