/**
 * Exercise 01-concepts/async-mutex — fix a lost update with an async mutex.
 *
 * Node runs your JavaScript on one thread, yet `await` is a point where other code runs. Two calls of
 * `racyIncrement` below can both read 0 before either writes, and one increment is lost: a race condition
 * with no threads at all. The cure is the same as with threads: a mutual-exclusion lock around the
 * read-modify-write, so only one caller is inside it at a time.
 *
 * Build `createAsyncMutex`, then use it in `safeIncrement`.
 *
 * Read first: chapters/01-concepts/README.md#races-without-threads
 * Check yourself: npm test -- async-mutex        Stuck? npm run hint -- async-mutex
 */

/** An asynchronous counter store, like a database row: every access takes a trip through the event loop. */
export interface Store {
  get(): Promise<number>;
  set(value: number): Promise<void>;
}

/** A lock for asynchronous code. */
export interface AsyncMutex {
  /**
   * Run `critical` once no other critical section of this mutex is running, and return its result.
   * Callers are served in the order they called. If `critical` throws or rejects, the caller gets that
   * error and the mutex moves on to the next caller.
   */
  runExclusive<T>(critical: () => Promise<T> | T): Promise<T>;
  /** True while a critical section runs or callers wait for their turn; false when the mutex is idle. */
  readonly locked: boolean;
}

/** A new, unlocked mutex. */
export function createAsyncMutex(): AsyncMutex {
  // TODO: keep a "held" flag and a first-in, first-out queue of callers waiting for their turn.
  //       See chapters/01-concepts/README.md#races-without-threads
  throw new Error("TODO: createAsyncMutex is not implemented yet");
}

/** The bug to fix: correct alone, but concurrent calls can read the same value and lose increments. */
export async function racyIncrement(store: Store, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    const value = await store.get();
    await store.set(value + 1);
  }
}

/**
 * Add `times` to the store, one increment at a time, without losing any increment when many callers
 * share the same store and mutex. Resolves once all `times` increments are in the store.
 */
export async function safeIncrement(store: Store, mutex: AsyncMutex, times: number): Promise<void> {
  // TODO: do what racyIncrement does, but make each read-modify-write a critical section of `mutex`.
  throw new Error("TODO: safeIncrement is not implemented yet");
}
