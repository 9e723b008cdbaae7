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
  let held = false;
  // Callers waiting for their turn, oldest first: each entry wakes one caller.
  const waiting: Array<() => void> = [];

  const acquire = (): Promise<void> => {
    if (!held) {
      held = true;
      return Promise.resolve();
    }
    return new Promise((wake) => waiting.push(wake));
  };

  const release = (): void => {
    const next = waiting.shift();
    // Hand the lock straight to the next caller: `held` stays true, so nobody can slip in between.
    if (next) next();
    else held = false;
  };

  return {
    get locked() {
      return held;
    },
    async runExclusive<T>(critical: () => Promise<T> | T): Promise<T> {
      await acquire();
      try {
        return await critical();
      } finally {
        // Always release, or one failing caller would block every caller after it forever.
        release();
      }
    },
  };
}

// Stryker disable all: racyIncrement is given code, the same in the stub: the learner does not write it.
/** The bug to fix: correct alone, but concurrent calls can read the same value and lose increments. */
export async function racyIncrement(store: Store, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    const value = await store.get();
    await store.set(value + 1);
  }
}
// Stryker restore all

/**
 * Add `times` to the store, one increment at a time, without losing any increment when many callers
 * share the same store and mutex. Resolves once all `times` increments are in the store.
 */
export async function safeIncrement(store: Store, mutex: AsyncMutex, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    // The read and the write form one critical section: nobody else may touch the store in between.
    await mutex.runExclusive(async () => {
      const value = await store.get();
      await store.set(value + 1);
    });
  }
}
