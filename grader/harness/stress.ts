/**
 * Stress on real parallelism (in the spirit of jcstress): K threads run their bodies with the real
 * Atomics, all released at once by a start gate (shared-memory.ts) so that they really overlap, while a
 * watchdog on the test thread (which never blocks) turns a hang into a "stale" verdict and ends the
 * threads. Invariants are checked afterwards on what the bodies return and on the shared memory.
 *
 * Stress finds what happens on real hardware; it cannot replay a failure. Use it beside controlled
 * interleavings (interleave.ts), not instead of them.
 */

import { scaledWait } from "./deadline.ts";
import type { ThreadPool, ThreadSpec } from "./interleave.ts";
import { openGate, startGate } from "./shared-memory.ts";
import type { FromWorker, ToWorker } from "./threads-protocol.ts";

export interface StressOptions {
  readonly shared: Readonly<Record<string, SharedArrayBuffer>>;
  readonly threads: readonly ThreadSpec[];
  /** How long all threads together may take before the run is "stale"; default 5000 ms (scaled: see scaledWait). */
  readonly watchdogMs?: number;
  /**
   * Run each body as a thread's only work: an async body whose awaits hold nothing alive (a bare
   * Atomics.waitAsync, say) lets its worker exit, and the run fails saying so. Default false.
   */
  readonly alone?: boolean;
}

export interface StressResult {
  /** "finished": every thread ended; "stale": some had not ended when the watchdog fired. */
  readonly verdict: "finished" | "stale" | "failed";
  readonly results: readonly unknown[];
  /** For "failed": the first thread that threw. */
  readonly failure?: { readonly thread: number; readonly message: string };
  /** The threads still running when the watchdog fired. */
  readonly stale: readonly number[];
  readonly reason: string;
}

/**
 * Run one body per thread of `pool`, released together. Stale threads are ended (their workers
 * replaced), so the pool can be used again.
 */
export async function stress(pool: ThreadPool, options: StressOptions): Promise<StressResult> {
  const { threads } = options;
  const n = threads.length;
  if (n < 1 || n > pool.size) throw new RangeError(`a stress run needs 1 to ${pool.size} threads, got ${n}`);
  const watchdogMs = options.watchdogMs ?? scaledWait(5_000);
  const names = Object.keys(options.shared);
  const buffers = names.map((name) => options.shared[name]!);
  const run = pool.runId();
  const gate = startGate(n);
  const workers = await Promise.all(threads.map((_, k) => pool.worker(k)));
  const ended: (FromWorker | undefined)[] = Array.from({ length: n }, () => undefined);
  const finals = workers.map(
    (w, k) =>
      new Promise<void>((resolve) => {
        const onMessage = (message: FromWorker) => {
          if ((message.type === "done" || message.type === "failed") && message.run === run) {
            w.worker.off("message", onMessage);
            ended[k] = message;
            resolve();
          }
        };
        w.worker.on("message", onMessage);
        void w.onExit.then((code) => {
          w.worker.off("message", onMessage);
          ended[k] ??= {
            type: "failed",
            run,
            thread: k,
            message: `the thread's worker exited with code ${code} before its body finished${options.alone ? " (nothing kept its event loop alive while the body awaited: a bare Atomics.waitAsync holds nothing)" : ""}`,
            stack: "",
            aborted: false,
          };
          resolve();
        });
      }),
  );
  for (const [k, spec] of threads.entries()) {
    const message: ToWorker = {
      type: "stress",
      run,
      thread: k,
      gate,
      alone: options.alone ?? false,
      names,
      buffers,
      body: spec.body,
      args: spec.args,
    };
    workers[k]!.worker.postMessage(message);
  }
  await openGate(gate, 20_000);
  let timer: NodeJS.Timeout | undefined;
  const watchdog = new Promise<"stale">((resolve) => {
    timer = setTimeout(() => resolve("stale"), watchdogMs);
  });
  const outcome = await Promise.race([Promise.all(finals).then(() => "finished" as const), watchdog]);
  clearTimeout(timer);
  const stale = [...Array(n).keys()].filter((k) => ended[k] === undefined);
  await Promise.all(stale.map((k) => pool.replace(k)));
  const results = ended.map((m) => (m?.type === "done" ? m.value : undefined));
  const failed = ended.find((m) => m?.type === "failed") as
    | Extract<FromWorker, { type: "failed" }>
    | undefined;
  const label = (k: number) => threads[k]!.name ?? `thread ${k}`;
  if (outcome === "stale") {
    return {
      verdict: "stale",
      results,
      stale,
      reason: `stale: ${stale.map(label).join(", ")} had not finished after ${watchdogMs} ms (a deadlock or a lost wake-up?)`,
    };
  }
  if (failed) {
    return {
      verdict: "failed",
      results,
      stale,
      failure: { thread: failed.thread, message: failed.message },
      reason: `${label(failed.thread)} threw: ${failed.message}`,
    };
  }
  return { verdict: "finished", results, stale, reason: "" };
}
