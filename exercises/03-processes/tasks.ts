/**
 * Given code for chapter 3 (do not edit): the tasks module that the pool and spinner tests, and the
 * chapter's examples, run on a pool. Each export is a task: one argument, sync or async.
 */
import { existsSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { threadId } from "node:worker_threads";
import { gzipSync } from "node:zlib";

/** x * 2: the smallest useful task. */
export function double(x: number): number {
  return x * 2;
}

/** x + 1: the "tiny task" of the benchmarks. */
export function inc(x: number): number {
  return x + 1;
}

/** The n-th Fibonacci number the slow way: a CPU-bound task whose cost grows as 1.6^n. */
export function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/** `value`, after `delayMs` milliseconds (0: after one turn of the event loop). */
export async function echo(input: { value: unknown; delayMs: number }): Promise<unknown> {
  await new Promise((resolve) => setTimeout(resolve, input.delayMs));
  return input.value;
}

/** Throws an Error with `message`. */
export function fail(message: string): never {
  throw new Error(message);
}

/** Rejects with an Error with `message`, after a turn of the event loop. */
export async function failLater(message: string): Promise<never> {
  await new Promise((resolve) => setTimeout(resolve, 1));
  throw new Error(message);
}

/** Ends the worker (thread or process) that runs it, with exit code `code`. */
export function exit(code: number): never {
  process.exit(code);
}

/** Crashes its worker with an uncaught exception outside the task (the task itself never settles). */
export function crash(message: string): Promise<never> {
  setTimeout(() => {
    throw new Error(message);
  }, 0);
  return new Promise<never>(() => {});
}

/** Which worker ran it: "<pid>:<threadId>", unique per worker thread and per child process. */
export function whoami(input: unknown): { worker: string; input: unknown } {
  return { worker: `${process.pid}:${threadId}`, input };
}

/**
 * A task that a test holds and releases through files, which every thread and process of a test shares:
 * writes `<dir>/started-<id>` (holding the worker's name), then waits until `<dir>/go-<id>` exists, then
 * returns `value`. Gives up with an Error after `limitMs` (default 20 s), so a forgotten gate ends.
 */
export async function gate(input: {
  dir: string;
  id: number;
  value: unknown;
  limitMs?: number;
}): Promise<unknown> {
  // Tasks run with the worker's full powers and anyone's input: write only into a tests' gate folder.
  const folder = realpathSync(input.dir);
  if (path.dirname(folder) !== realpathSync(tmpdir()) || !/-gates-/.test(path.basename(folder)))
    throw new Error(`gate: ${input.dir} is not a gate folder of the tests`);
  if (!Number.isInteger(input.id) || input.id < 0)
    throw new RangeError(`gate: id must be an index, got ${input.id}`);
  writeFileSync(path.join(folder, `started-${input.id}`), `${process.pid}:${threadId}`);
  const deadline = Date.now() + (input.limitMs ?? 20_000);
  while (!existsSync(path.join(folder, `go-${input.id}`))) {
    if (Date.now() > deadline) throw new Error(`gate ${input.id} was never opened`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return input.value;
}

/** One gzip member holding `data`: the task of 03-processes/gzip-blocks. */
export function gzipBlock(data: Uint8Array): Uint8Array {
  return gzipSync(data);
}
