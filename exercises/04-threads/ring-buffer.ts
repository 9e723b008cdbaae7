/**
 * Exercise 04-threads/ring-buffer — a bounded buffer (producers and consumers) on a SharedArrayBuffer.
 *
 * Producer threads put numbers in, consumer threads take them out, first in, first out, through a ring
 * of `capacity` slots in shared memory. A producer waits while the ring is full, a consumer while it is
 * empty. This is Downey's producer-consumer with a finite buffer: a count of items, a count of free
 * spaces, and a mutex around the ring's indices.
 *
 * Every access to shared memory goes through `atomics` (an AtomicsLike, by default the global Atomics):
 * the tests hand in one that controls the interleaving.
 *
 * Read first: chapters/04-threads/README.md#producers-and-consumers-a-bounded-buffer
 * Check yourself: npm test -- ring-buffer        Stuck? npm run hint -- ring-buffer
 */
import type { AtomicsLike } from "./atomics.ts";

export type { AtomicsLike };

/** Where a ring buffer lives: plain data, so it can be posted to a worker (the buffer stays shared). */
export interface RingBufferHandle {
  readonly buffer: SharedArrayBuffer;
  readonly byteOffset: number;
}

/** Node 20 has Atomics.waitAsync; the ES2023 typings this course compiles against do not. */
const defaultAtomics = Atomics as unknown as AtomicsLike;

export class RingBuffer {
  // TODO: an Int32Array over the shared memory (counts, a mutex, head, tail, capacity, the ring) and the
  //       AtomicsLike to reach it with.

  private constructor() {}

  /**
   * A new, empty ring buffer with room for `capacity` numbers (RangeError unless a whole number from 1 to
   * 2²⁴), in a buffer of its own.
   */
  static create(capacity: number, atomics: AtomicsLike = defaultAtomics): RingBuffer {
    throw new Error(
      "TODO: RingBuffer.create is not implemented yet (chapters/04-threads/README.md#producers-and-consumers-a-bounded-buffer)",
    );
  }

  /** The same ring buffer as `handle` (typically one created in another thread). */
  static attach(handle: RingBufferHandle, atomics: AtomicsLike = defaultAtomics): RingBuffer {
    throw new Error("TODO: RingBuffer.attach is not implemented yet");
  }

  get handle(): RingBufferHandle {
    throw new Error("TODO: RingBuffer.handle is not implemented yet");
  }

  get capacity(): number {
    throw new Error("TODO: RingBuffer.capacity is not implemented yet");
  }

  /** Numbers in the buffer now, ready to take. */
  get size(): number {
    throw new Error("TODO: RingBuffer.size is not implemented yet");
  }

  /**
   * Add `value` (an Int32) at the end, waiting while the buffer is full. Gives up after `timeoutMs`
   * (default: never) and returns false, having stored nothing.
   */
  put(value: number, timeoutMs = Infinity): boolean {
    // TODO: take a free space (wait while none), then under the mutex write at the tail and move it on,
    //       then signal one more item.
    throw new Error("TODO: RingBuffer.put is not implemented yet");
  }

  /**
   * Remove and return the oldest number, waiting while the buffer is empty. Gives up after `timeoutMs`
   * (default: never) and returns undefined, having taken nothing.
   */
  take(timeoutMs = Infinity): number | undefined {
    // TODO: take an item (wait while none), then under the mutex read at the head and move it on, then
    //       signal one more free space.
    throw new Error("TODO: RingBuffer.take is not implemented yet");
  }
}
