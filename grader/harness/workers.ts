/**
 * Worker threads for tests: started on TypeScript modules, bounded in memory, and tracked so the test setup
 * ends any worker a test forgot (see resources.ts).
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import { type ResourceLimits, type Transferable, Worker } from "node:worker_threads";
import { scaledWait, withDeadline } from "./deadline.ts";
import { track } from "./resources.ts";

const bootstrap = new URL("./worker-bootstrap.mjs", import.meta.url);

/** Old-generation heap cap of a worker unless the test asks otherwise; far below the test process's own. */
export const DEFAULT_WORKER_HEAP_MB = 128;

export interface StartWorkerOptions {
  /** Given to the entry as `workerData` from node:worker_threads, exactly as with `new Worker`. */
  readonly workerData?: unknown;
  /** Objects in workerData to move rather than copy (MessagePorts, ArrayBuffers). */
  readonly transferList?: readonly Transferable[];
  /** Merged over the default heap cap. */
  readonly resourceLimits?: ResourceLimits;
  /** Names the worker in leak reports and error messages; defaults to the entry's file name. */
  readonly name?: string;
}

const names = new WeakMap<Worker, string>();

/**
 * Start a worker thread running `entry`, a .ts or .js module (a file path, relative to the working
 * directory, or a file: URL), through worker-bootstrap.mjs because Node 20 cannot load TypeScript in a
 * worker by itself. The worker is tracked until its 'exit' event, so a test that forgets it gets it
 * terminated and reported; its heap is capped so a runaway worker ends with ERR_WORKER_OUT_OF_MEMORY on
 * its 'error' event instead of exhausting the test process.
 */
export function startWorker(entry: string | URL, options: StartWorkerOptions = {}): Worker {
  const url = typeof entry === "string" ? pathToFileURL(path.resolve(entry)) : entry;
  if (url.protocol !== "file:") throw new TypeError(`worker entry must be a file, got ${url.href}`);
  const name = options.name ?? path.basename(url.pathname);
  const worker = new Worker(bootstrap, {
    workerData: { __entry: url.href, __workerData: options.workerData },
    transferList: options.transferList ? [...options.transferList] : undefined,
    resourceLimits: { maxOldGenerationSizeMb: DEFAULT_WORKER_HEAP_MB, ...options.resourceLimits },
    // Not inherited: the test process's flags (--import tsx, heap sizes) are wrong or refused in a worker.
    execArgv: [],
    name,
  });
  names.set(worker, name);
  trackWorker(worker, name);
  return worker;
}

/**
 * Track a worker until its 'exit': a test that forgets it gets it terminated and reported. Every harness
 * helper and given runtime that starts a worker hands it here.
 */
export function trackWorker(worker: Worker, name: string): void {
  let running = true;
  const forget = track({
    description: `worker ${name}`,
    alive: () => running,
    end: async () => {
      await worker.terminate();
    },
  });
  worker.once("exit", () => {
    running = false;
    forget();
  });
}

export interface RequestOptions {
  /** How long to wait for the reply; default 5 s (scaled: see scaledWait). */
  readonly timeoutMs?: number;
  readonly transferList?: readonly Transferable[];
}

/**
 * Post one message and resolve with the worker's next message. Rejects as soon as the worker fails or
 * exits instead of replying, or after `timeoutMs`, so a broken worker fails the test with a reason rather
 * than a vitest timeout. One request at a time per worker: replies are not matched to requests.
 */
export async function request<T = unknown>(
  worker: Worker,
  message: unknown,
  { timeoutMs = scaledWait(5_000), transferList }: RequestOptions = {},
): Promise<T> {
  const name = names.get(worker) ?? `worker ${worker.threadId}`;
  // A message to an exited worker is dropped silently; without this check we would wait out the timeout.
  if (worker.threadId < 0) throw new Error(`${name} has already exited`);
  let stopListening = () => {};
  const reply = new Promise<T>((resolve, reject) => {
    const onMessage = (value: T) => resolve(value);
    const onError = (error: Error) => reject(error);
    const onExit = (code: number) => reject(new Error(`${name} exited with code ${code} before it replied`));
    worker.on("message", onMessage).on("error", onError).on("exit", onExit);
    stopListening = () => {
      worker.off("message", onMessage).off("error", onError).off("exit", onExit);
    };
  });
  try {
    worker.postMessage(message, transferList);
    return await withDeadline(reply, timeoutMs, `the reply of ${name}`);
  } finally {
    stopListening();
  }
}
