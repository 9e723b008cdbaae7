/**
 * Exercise 03-processes/spinner — a spinner that keeps turning while a pool computes (after Eckel and
 * Michele Simionato).
 *
 * A spinner on a timer in this process stops turning whenever this thread is busy. So the spinner runs in
 * a child process of its own (spinner-child.ts, which you write too), started with forkProcess from
 * ./runtime.ts; this module starts it, passes what it writes on to `out`, and stops it cleanly.
 *
 * Read first: chapters/03-processes/README.md#a-spinner-that-keeps-turning
 * Check yourself: npm test -- spinner        Stuck? npm run hint -- spinner
 */
import type { ChildProcess } from "node:child_process";
import type { Pool } from "./pool.ts";
import { forkProcess, waitForExit } from "./runtime.ts";

export interface SpinnerOptions {
  text?: string; // written before each frame, default ""
  frames?: readonly string[]; // default ["|", "/", "-", "\\"]
  intervalMs?: number; // default 100
  out?: NodeJS.WritableStream; // default process.stderr
}
export interface Spinner {
  readonly pid: number;
  stop(): Promise<{ framesWritten: number }>;
}

/** How long starting and stopping may take before the child is given up on (and killed). */
const CHILD_WAIT_MS = 10_000;

/** The next IPC message of `type` from the child; rejects if the child exits first or takes too long. */
function nextMessage<M>(child: ChildProcess, type: string): Promise<M> {
  return new Promise<M>((resolve, reject) => {
    const onMessage = (message: { type?: string }) => {
      if (message?.type !== type) return;
      done();
      resolve(message as M);
    };
    const onExit = (code: number | null, signal: string | null) => {
      done();
      reject(new Error(`the spinner process exited (${signal ?? `code ${code}`}) before "${type}"`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`the spinner process sent no "${type}" within ${CHILD_WAIT_MS} ms`));
    }, CHILD_WAIT_MS);
    const done = () => {
      clearTimeout(timer);
      child.off("message", onMessage).off("exit", onExit);
    };
    child.on("message", onMessage).on("exit", onExit);
  });
}

/**
 * Start a spinner in a child process: each frame is written as text + frame followed by "\b" repeated to
 * its length. Resolves once the first frame is written. After stop() resolves nothing more is written,
 * except one erase of the last frame (spaces of its length, then as many "\b"), and the child has exited.
 * `out` stays open: it is the caller's (process.stderr by default), to write more to or to end.
 * Rejects with a RangeError for an empty list of frames or an intervalMs that is not positive.
 */
export async function startSpinner(options: SpinnerOptions = {}): Promise<Spinner> {
  const text = options.text ?? "";
  const frames = options.frames ?? ["|", "/", "-", "\\"];
  const intervalMs = options.intervalMs ?? 100;
  const out = options.out ?? process.stderr;
  if (frames.length === 0) throw new RangeError("a spinner needs at least one frame");
  if (!(intervalMs > 0)) throw new RangeError(`intervalMs must be positive, got ${intervalMs}`);

  const child = forkProcess(new URL("./spinner-child.ts", import.meta.url), [
    JSON.stringify({ text, frames, intervalMs }),
  ]);
  // Everything the child writes goes to `out`, in order; 'end' says the last of it has arrived.
  const ended = new Promise<void>((resolve) => child.stdout!.once("end", resolve));
  // As text: a frame's characters may be split across two chunks of bytes.
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (chunk: string) => out.write(chunk));
  child.stderr!.resume();
  try {
    await nextMessage(child, "started");
  } catch (error) {
    child.kill("SIGKILL");
    await waitForExit(child, CHILD_WAIT_MS).catch(() => {});
    throw error;
  }

  let stopping: Promise<{ framesWritten: number }> | undefined;
  return {
    pid: child.pid!,
    stop() {
      stopping ??= (async () => {
        const stopped = nextMessage<{ framesWritten: number }>(child, "stopped");
        child.send({ type: "stop" });
        let framesWritten = 0;
        try {
          ({ framesWritten } = await stopped);
        } finally {
          // Whatever happened, the child is gone and all it wrote has been passed on before we return.
          await waitForExit(child, CHILD_WAIT_MS).catch(() => {
            child.kill("SIGKILL");
            return waitForExit(child, CHILD_WAIT_MS);
          });
          await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 1_000))]);
          child.stdout!.removeAllListeners("data");
        }
        return { framesWritten };
      })();
      return stopping;
    },
  };
}

/** Run every input through the pool while a spinner turns; the spinner is stopped whether the work succeeds or fails. */
export async function runWithSpinner<T, R>(
  pool: Pool,
  task: string,
  inputs: readonly T[],
  options?: SpinnerOptions,
): Promise<R[]> {
  const spinner = await startSpinner(options);
  try {
    return await pool.map<T, R>(task, inputs);
  } finally {
    await spinner.stop();
  }
}
