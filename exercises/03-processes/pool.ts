/**
 * Exercise 03-processes/pool — a process pool, after Python's multiprocessing.Pool.
 *
 * Processes share nothing, so a pool hands work to its workers as messages and gets results back the same
 * way. Build `createPool`: `size` workers (worker threads, or child processes), started once and reused; a
 * queue of work that they take from, one chunk of inputs at a time; results matched to their calls by id.
 *
 * The worker side is given: start `poolWorkerEntry` from ./runtime.ts with startThread (workerData:
 * `loadableUrl(tasksModule)`) or forkProcess (args: `[loadableUrl(tasksModule)]`), and talk to it with the
 * PoolRequest and PoolReply messages described in ./pool-worker.ts. Start your workers with those two
 * functions only: they compile TypeScript, and they let the tests see your workers.
 *
 * Read first: chapters/03-processes/README.md#a-pool-of-workers
 * Check yourself: npm test -- pool        Stuck? npm run hint -- pool
 */

export type PoolKind = "thread" | "process"; // worker_threads, or child_process.fork
export interface PoolOptions {
  size?: number;
  kind?: PoolKind;
} // size: os.availableParallelism(); kind: "thread"

export interface Pool extends AsyncDisposable {
  readonly size: number;
  readonly kind: PoolKind;
  /** Run tasks[task](input) on a worker; resolves with its result, rejects with an Error carrying its message. */
  apply<T, R>(task: string, input: T): Promise<R>;
  /** Every input through the task; the results in input order. Rejects with the first error. */
  map<T, R>(task: string, inputs: Iterable<T>, options?: { chunksize?: number }): Promise<R[]>;
  /**
   * Like map, but yields each result as soon as it and all before it are ready. Like map's, its work is
   * queued when imap is called, not when the first value is asked for: the tasks run while nobody iterates
   * yet, and close() finishes them like any queued work.
   */
  imap<T, R>(task: string, inputs: Iterable<T>, options?: { chunksize?: number }): AsyncIterable<R>;
  /** Like imap, but yields the results in the order they finish. */
  imapUnordered<T, R>(task: string, inputs: Iterable<T>, options?: { chunksize?: number }): AsyncIterable<R>;
  /** Finish the queued work, then end the workers; later calls reject. */
  close(): Promise<void>;
  /** End the workers now; pending calls reject. */
  terminate(): Promise<void>;
}

/**
 * `tasksModule` exports the task functions by name (sync or async, one argument). The pool starts `size`
 * workers at once and reuses them; never more than `size` tasks run at once. A chunk of `chunksize`
 * consecutive inputs (default 1) goes to one worker in one message. A task that throws rejects its own
 * call with an Error carrying the task's message; a worker that dies rejects the call it was running and is
 * replaced. `await using pool = createPool(…)` ends the workers at the end of the block. A size or a
 * chunksize that is not a positive integer is a RangeError (thrown by createPool, a rejection of the call).
 */
export function createPool(tasksModule: string | URL, options: PoolOptions = {}): Pool {
  // TODO: start the workers, keep a first-in, first-out queue of chunks, give each idle worker the next
  //       chunk, and match every reply to its call by the request id.
  //       See chapters/03-processes/README.md#a-pool-of-workers
  throw new Error("TODO: createPool is not implemented yet");
}
