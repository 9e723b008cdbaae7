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
import type { ChildProcess } from "node:child_process";
import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import {
  forkProcess,
  loadableUrl,
  type PoolReply,
  type PoolRequest,
  poolWorkerEntry,
  startThread,
  type TaskOutcome,
  waitForExit,
} from "./runtime.ts";

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

/** One chunk of inputs waiting for, or running on, a worker; `settle` gets one outcome per input. */
interface Job {
  readonly task: string;
  readonly inputs: readonly unknown[];
  readonly settle: (outcomes: readonly TaskOutcome[]) => void;
}

/** One worker, whatever its kind: how to send it a request, and how to end it. */
interface Slot {
  readonly send: (request: PoolRequest) => void;
  readonly kill: () => Promise<void>;
  /** The job it runs, with its request id; undefined while idle. */
  running: { id: number; job: Job } | undefined;
  exited: boolean;
}

/** How long close and terminate wait for a worker's exit before giving up on it. */
const EXIT_WAIT_MS = 5_000;

/** An outcome for every input of a job that could not run: its worker died, or the pool was terminated. */
const failAll = (job: Job, message: string): TaskOutcome[] =>
  job.inputs.map(() => ({ ok: false, message, name: "Error" }));

function toError(outcome: Extract<TaskOutcome, { ok: false }>): Error {
  const error = new Error(outcome.message);
  error.name = outcome.name;
  if (outcome.stack) error.stack = outcome.stack;
  return error;
}

function checkChunksize(chunksize: number | undefined): number {
  const size = chunksize ?? 1;
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`chunksize must be a positive integer, got ${size}`);
  return size;
}

function chunked<T>(inputs: Iterable<T>, chunksize: number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  for (const input of inputs) {
    current.push(input);
    if (current.length === chunksize) {
      chunks.push(current);
      current = [];
    }
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
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
  const size = options.size ?? availableParallelism();
  const kind = options.kind ?? "thread";
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`size must be a positive integer, got ${size}`);
  if (kind !== "thread" && kind !== "process")
    throw new TypeError(`kind must be "thread" or "process", got ${kind}`);
  // Compiled once here, so that each worker only loads plain JavaScript.
  const moduleUrl = loadableUrl(tasksModule);

  // The queue: an array read from a moving head, so taking the next job costs O(1) (Array#shift is O(n)).
  let queue: Job[] = [];
  let head = 0;
  const slots = new Set<Slot>();
  let nextId = 0;
  let state: "open" | "closing" | "closed" = "open";
  let closing: Promise<void> | undefined;
  let terminating: Promise<void> | undefined;
  let drained: () => void = () => {};

  const busy = () => [...slots].some((slot) => slot.running !== undefined);

  function onReply(slot: Slot, reply: PoolReply): void {
    const running = slot.running;
    if (!running || running.id !== reply.id) return; // not ours: a late reply after a terminate
    slot.running = undefined;
    running.job.settle(reply.outcomes);
    dispatch();
  }

  function onExit(slot: Slot, how: string): void {
    if (slot.exited) return;
    slot.exited = true;
    slots.delete(slot);
    const running = slot.running;
    slot.running = undefined;
    if (running) running.job.settle(failAll(running.job, `the worker running "${running.job.task}" ${how}`));
    // A worker that died is replaced, unless the pool is on its way out.
    if (state !== "closed" && terminating === undefined) spawn();
    dispatch();
  }

  function spawn(): void {
    if (kind === "thread") {
      const worker: Worker = startThread(poolWorkerEntry, moduleUrl);
      const slot: Slot = {
        send: (request) => worker.postMessage(request),
        kill: async () => {
          await worker.terminate();
        },
        running: undefined,
        exited: false,
      };
      worker.on("message", (reply: PoolReply) => onReply(slot, reply));
      // 'error' (an uncaught exception) is always followed by 'exit'.
      worker.on("error", () => {});
      worker.on("exit", (code) => onExit(slot, `exited with code ${code}`));
      slots.add(slot);
    } else {
      const child: ChildProcess = forkProcess(poolWorkerEntry, [moduleUrl], {
        serialization: "advanced",
        stdio: "ignore",
      });
      const slot: Slot = {
        send: (request) => {
          if (child.connected) child.send(request);
        },
        kill: async () => {
          child.kill("SIGKILL");
          await waitForExit(child, EXIT_WAIT_MS).catch(() => {});
        },
        running: undefined,
        exited: false,
      };
      child.on("message", (reply: PoolReply) => onReply(slot, reply));
      child.on("error", () => {});
      child.on("exit", (code, signal) =>
        onExit(slot, signal ? `was killed by ${signal}` : `exited with code ${code}`),
      );
      slots.add(slot);
    }
  }

  /** Give the next queued job to every idle worker. */
  function dispatch(): void {
    for (const slot of slots) {
      if (head === queue.length) break;
      if (slot.running || slot.exited) continue;
      const job = queue[head]!;
      queue[head++] = undefined as unknown as Job; // let it be collected
      if (head > 1024 && head * 2 > queue.length) {
        queue = queue.slice(head);
        head = 0;
      }
      const id = nextId++;
      slot.running = { id, job };
      slot.send({ type: "run", id, task: job.task, inputs: job.inputs });
    }
    if (head === queue.length && !busy()) drained();
  }

  function checkOpen(): void {
    if (state !== "open" || terminating) throw new Error("the pool is closed: no new work is accepted");
  }

  /** Queue the inputs in chunks; `each` gets every input's outcome with its index, in completion order. */
  function submit(
    task: string,
    inputs: Iterable<unknown>,
    chunksize: number,
    each: (index: number, outcome: TaskOutcome) => void,
  ): number {
    const chunks = chunked(inputs, chunksize);
    let start = 0;
    for (const chunk of chunks) {
      const first = start;
      queue.push({
        task,
        inputs: chunk,
        settle: (outcomes) => {
          outcomes.forEach((outcome, k) => {
            each(first + k, outcome);
          });
        },
      });
      start += chunk.length;
    }
    dispatch();
    return start;
  }

  /** Results of one imap call, in the order `ordered` asks for, pulled by an async iterator. */
  function iterate<R>(
    task: string,
    inputs: Iterable<unknown>,
    chunksize: number,
    ordered: boolean,
  ): AsyncIterable<R> {
    try {
      checkOpen();
    } catch (error) {
      // Refused like every other call: the first next() rejects.
      return {
        // biome-ignore lint/correctness/useYield: it only rejects
        async *[Symbol.asyncIterator]() {
          throw error;
        },
      };
    }
    const size = checkChunksize(chunksize);
    const ready = new Map<number, TaskOutcome>(); // ordered: by index; unordered: by arrival
    let arrivals = 0;
    let nextOut = 0;
    let wake: (() => void) | undefined;
    const total = submit(task, inputs, size, (index, outcome) => {
      ready.set(ordered ? index : arrivals, outcome);
      arrivals++;
      wake?.();
    });
    return {
      async *[Symbol.asyncIterator]() {
        while (nextOut < total) {
          while (!ready.has(nextOut)) await new Promise<void>((resolve) => (wake = resolve));
          const outcome = ready.get(nextOut)!;
          ready.delete(nextOut++);
          if (!outcome.ok) throw toError(outcome);
          yield outcome.value as R;
        }
      },
    };
  }

  for (let i = 0; i < size; i++) spawn();

  async function endAll(): Promise<void> {
    await Promise.all([...slots].map((slot) => slot.kill()));
  }

  const pool: Pool = {
    size,
    kind,
    apply<T, R>(task: string, input: T): Promise<R> {
      return pool.map<T, R>(task, [input]).then((results) => results[0]!);
    },
    map<T, R>(task: string, inputs: Iterable<T>, options?: { chunksize?: number }): Promise<R[]> {
      return new Promise<R[]>((resolve, reject) => {
        checkOpen();
        const results: R[] = [];
        let left = 0;
        let failed = false;
        const total = submit(task, inputs, checkChunksize(options?.chunksize), (index, outcome) => {
          if (failed) return;
          if (!outcome.ok) {
            failed = true;
            reject(toError(outcome));
            return;
          }
          results[index] = outcome.value as R;
          if (--left === 0) resolve(results);
        });
        left += total;
        if (total === 0) resolve([]);
      });
    },
    imap<T, R>(task: string, inputs: Iterable<T>, options?: { chunksize?: number }): AsyncIterable<R> {
      return iterate<R>(task, inputs, options?.chunksize ?? 1, true);
    },
    imapUnordered<T, R>(
      task: string,
      inputs: Iterable<T>,
      options?: { chunksize?: number },
    ): AsyncIterable<R> {
      return iterate<R>(task, inputs, options?.chunksize ?? 1, false);
    },
    close(): Promise<void> {
      if (closing) return closing;
      if (terminating) return terminating;
      state = "closing";
      closing = (async () => {
        if (head < queue.length || busy()) await new Promise<void>((resolve) => (drained = resolve));
        state = "closed";
        await endAll();
      })();
      return closing;
    },
    terminate(): Promise<void> {
      if (terminating) return terminating;
      state = "closed";
      const pending = queue.slice(head);
      queue = [];
      head = 0;
      const running = [...slots].flatMap((slot) => (slot.running ? [slot.running.job] : []));
      for (const slot of slots) slot.running = undefined;
      terminating = (async () => {
        for (const job of [...running, ...pending]) job.settle(failAll(job, "the pool was terminated"));
        drained();
        await endAll();
      })();
      return terminating;
    },
    [Symbol.asyncDispose](): Promise<void> {
      return pool.terminate();
    },
  };
  return pool;
}
