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

/** Int32 slots: items ready, free spaces, the mutex (0 free, 1 held), head, tail, capacity, then the ring. */
const ITEMS = 0;
const SPACES = 1;
const LOCK = 2;
const HEAD = 3;
const TAIL = 4;
const CAPACITY = 5;
const RING = 6;

export class RingBuffer {
  private readonly cells: Int32Array;

  private constructor(
    private readonly where: RingBufferHandle,
    private readonly atomics: AtomicsLike,
  ) {
    const capacity = new Int32Array(where.buffer, where.byteOffset + CAPACITY * 4, 1);
    this.cells = new Int32Array(where.buffer, where.byteOffset, RING + atomics.load(capacity, 0));
  }

  /**
   * A new, empty ring buffer with room for `capacity` numbers (RangeError unless a whole number from 1 to
   * 2²⁴), in a buffer of its own.
   */
  static create(capacity: number, atomics: AtomicsLike = defaultAtomics): RingBuffer {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 1 << 24) {
      throw new RangeError(`capacity must be a whole number from 1 to ${1 << 24}, got ${capacity}`);
    }
    const buffer = new SharedArrayBuffer((RING + capacity) * 4);
    atomics.store(new Int32Array(buffer), CAPACITY, capacity);
    const ring = new RingBuffer({ buffer, byteOffset: 0 }, atomics);
    atomics.store(ring.cells, SPACES, capacity);
    return ring;
  }

  /** The same ring buffer as `handle` (typically one created in another thread). */
  static attach(handle: RingBufferHandle, atomics: AtomicsLike = defaultAtomics): RingBuffer {
    return new RingBuffer({ buffer: handle.buffer, byteOffset: handle.byteOffset }, atomics);
  }

  get handle(): RingBufferHandle {
    return { buffer: this.where.buffer, byteOffset: this.where.byteOffset };
  }

  get capacity(): number {
    return this.atomics.load(this.cells, CAPACITY);
  }

  /** Numbers in the buffer now, ready to take. */
  get size(): number {
    return this.atomics.load(this.cells, ITEMS);
  }

  /**
   * Add `value` (an Int32) at the end, waiting while the buffer is full. Gives up after `timeoutMs`
   * (default: never) and returns false, having stored nothing.
   */
  put(value: number, timeoutMs = Infinity): boolean {
    if (!this.down(SPACES, timeoutMs)) return false;
    this.lock();
    const tail = this.atomics.load(this.cells, TAIL);
    this.atomics.store(this.cells, RING + tail, value);
    this.atomics.store(this.cells, TAIL, (tail + 1) % this.capacity);
    this.unlock();
    this.up(ITEMS);
    return true;
  }

  /**
   * Remove and return the oldest number, waiting while the buffer is empty. Gives up after `timeoutMs`
   * (default: never) and returns undefined, having taken nothing.
   */
  take(timeoutMs = Infinity): number | undefined {
    if (!this.down(ITEMS, timeoutMs)) return undefined;
    this.lock();
    const head = this.atomics.load(this.cells, HEAD);
    const value = this.atomics.load(this.cells, RING + head);
    this.atomics.store(this.cells, HEAD, (head + 1) % this.capacity);
    this.unlock();
    this.up(SPACES);
    return value;
  }

  /** A semaphore's acquire on cells[at]: take one, sleeping while there is none, until the deadline. */
  private down(at: number, timeoutMs: number): boolean {
    const deadline = performance.now() + Math.max(0, timeoutMs);
    for (;;) {
      const free = this.atomics.load(this.cells, at);
      if (free > 0) {
        if (this.atomics.compareExchange(this.cells, at, free, free - 1) === free) return true;
        continue;
      }
      const left = deadline - performance.now();
      if (left <= 0) return false;
      this.atomics.wait(this.cells, at, free, left);
    }
  }

  /** A semaphore's release on cells[at]. */
  private up(at: number): void {
    this.atomics.add(this.cells, at, 1);
    this.atomics.notify(this.cells, at, 1);
  }

  /** The mutex around head, tail and the ring: held only for a few steps, never while waiting for items. */
  private lock(): void {
    while (this.atomics.compareExchange(this.cells, LOCK, 0, 1) !== 0) this.atomics.wait(this.cells, LOCK, 1);
  }

  private unlock(): void {
    this.atomics.store(this.cells, LOCK, 0);
    this.atomics.notify(this.cells, LOCK, 1);
  }
}
