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
import type { Pool } from "./pool.ts";

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

/**
 * Start a spinner in a child process: each frame is written as text + frame followed by "\b" repeated to
 * its length. Resolves once the first frame is written. After stop() resolves nothing more is written,
 * except one erase of the last frame (spaces of its length, then as many "\b"), and the child has exited.
 * `out` stays open: it is the caller's (process.stderr by default), to write more to or to end.
 * Rejects with a RangeError for an empty list of frames or an intervalMs that is not positive.
 */
export async function startSpinner(options: SpinnerOptions = {}): Promise<Spinner> {
  // TODO: fork spinner-child.ts with forkProcess, pass its stdout on to `out`, wait for "started".
  //       See chapters/03-processes/README.md#a-spinner-that-keeps-turning
  throw new Error("TODO: startSpinner is not implemented yet");
}

/** Run every input through the pool while a spinner turns; the spinner is stopped whether the work succeeds or fails. */
export async function runWithSpinner<T, R>(
  pool: Pool,
  task: string,
  inputs: readonly T[],
  options?: SpinnerOptions,
): Promise<R[]> {
  // TODO: start the spinner first, then map; stop the spinner in a finally.
  throw new Error("TODO: runWithSpinner is not implemented yet");
}
