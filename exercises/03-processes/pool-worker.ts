/**
 * Given code for chapter 3 (do not edit: grading always uses the course's own copy).
 *
 * The worker side of 03-processes/pool, for both kinds: started with startThread (workerData: the tasks
 * module's loadableUrl) or with forkProcess (argv[2]: the same). It imports the tasks module, then runs the
 * requests it receives one at a time, in the order they arrive, and answers each with one reply:
 *
 *   parent → worker   { type: "run", id, task, inputs }   run tasks[task](input) for each input, in order
 *                     { type: "close" }                    exit once the requests before it are answered
 *   worker → parent   { type: "done", id, outcomes }       one outcome per input, in the inputs' order
 *
 * A task that throws (or rejects) gives { ok: false, message } for its input; the worker goes on. A task
 * that ends the worker (process.exit, a crash) gives no reply at all: watch the worker's 'exit'.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parentPort, workerData } from "node:worker_threads";

export interface PoolRequestRun {
  readonly type: "run";
  /** Chosen by the parent; the reply carries it back. */
  readonly id: number;
  /** The name of an export of the tasks module. */
  readonly task: string;
  /** One call of the task per input: a chunk. */
  readonly inputs: readonly unknown[];
}
export type PoolRequest = PoolRequestRun | { readonly type: "close" };

export type TaskOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly message: string; readonly name: string; readonly stack?: string };

export interface PoolReply {
  readonly type: "done";
  readonly id: number;
  readonly outcomes: readonly TaskOutcome[];
}

type Tasks = Record<string, unknown>;

/**
 * True for a module loadableUrl compiled: it sits beside this worker's own compiled file, and
 * loadableUrl compiles only the course's modules. A URL of anything else is never imported.
 */
function compiledBeside(moduleUrl: string): boolean {
  try {
    const here = path.dirname(fileURLToPath(import.meta.url));
    return path.dirname(fileURLToPath(moduleUrl)) === here && /\.mjs$/.test(moduleUrl);
  } catch {
    return false;
  }
}

function failure(error: unknown): TaskOutcome {
  if (error instanceof Error) {
    return {
      ok: false,
      message: error.message,
      name: error.name,
      ...(error.stack ? { stack: error.stack } : {}),
    };
  }
  return { ok: false, message: String(error), name: "Error" };
}

async function runOne(tasks: Tasks | Error, task: string, input: unknown): Promise<TaskOutcome> {
  if (tasks instanceof Error) return failure(tasks);
  const fn = tasks[task];
  if (typeof fn !== "function") return failure(new Error(`the tasks module exports no function "${task}"`));
  try {
    return { ok: true, value: await fn(input) };
  } catch (error) {
    return failure(error);
  }
}

function start(
  moduleUrl: string,
  post: (reply: PoolReply) => void,
  listen: (on: (r: PoolRequest) => void) => void,
) {
  const tasks: Promise<Tasks | Error> = (
    /\.[cm]?tsx?$/.test(moduleUrl)
      ? Promise.reject(
          new Error("a worker cannot import TypeScript: pass loadableUrl(tasksModule) from runtime.ts"),
        )
      : compiledBeside(moduleUrl)
        ? import(moduleUrl)
        : Promise.reject(
            new Error("a worker imports only what loadableUrl(tasksModule) from runtime.ts made"),
          )
  ).then(
    (m: Tasks) => m,
    (error: unknown) =>
      new Error(
        `the tasks module ${moduleUrl} failed to load: ${error instanceof Error ? error.message : String(error)}`,
      ),
  );
  // One request at a time: each waits for the one before it.
  let previous: Promise<unknown> = Promise.resolve();
  listen((request) => {
    previous = previous.then(async () => {
      if (request.type === "close") process.exit(0);
      const loaded = await tasks;
      const outcomes: TaskOutcome[] = [];
      for (const input of request.inputs) outcomes.push(await runOne(loaded, request.task, input));
      post({ type: "done", id: request.id, outcomes });
    });
  });
}

if (parentPort) {
  const port = parentPort;
  start(
    String(workerData),
    (reply) => port.postMessage(reply),
    (on) => port.on("message", on),
  );
} else if (process.send) {
  const send = process.send.bind(process);
  start(
    process.argv[2] ?? "",
    (reply) => send(reply),
    (on) => process.on("message", (message) => on(message as PoolRequest)),
  );
  // The parent went away: nothing is left to answer.
  process.on("disconnect", () => process.exit(0));
} else {
  throw new Error("pool-worker.ts is a worker entry: start it with startThread or forkProcess");
}
