/**
 * Controlled interleavings of real threads (in the spirit of Lincheck's model checker and loom).
 *
 * Each simulated thread runs its body in a worker thread of a ThreadPool, so learner code that calls
 * `atomics.wait(...)` synchronously has a stack of its own. But the body gets an AtomicsLike whose every
 * operation announces itself and blocks that worker until the controller (this module, on the test
 * thread, which never blocks) gives it the turn. The controller performs the operation itself on the
 * shared memory and hands back the result. So exactly one thread moves at a time, and a list of choices
 * decides which: at each step the runnable threads (and blocked ones whose wait may time out) are
 * listed in thread order and `choices[step] % options.length` picks one; once the list is used up,
 * threads take turns (round robin), so every schedule is fair in the end.
 *
 * - wait(a, i, v) on a matching value blocks the thread; notify(a, i, n) wakes up to n of the threads
 *   blocked on that address, oldest first (like Atomics.notify); a finite timeout is one more option
 *   the schedule may pick ("times out"), and that wait then really lasts its timeout.
 * - No option left while some thread is not done: a deadlock, reported with every blocked thread and
 *   the numbered schedule that led there. More than `maxSteps` steps: a livelock (or a busy loop).
 * - A thread that reads a cell again although nobody changed it since its last look (and it has not
 *   slept in between) learns nothing. Doing that many times in a row, without writing, sleeping or
 *   seeing a change, is spinning where it should sleep in wait(): past `maxIdleReads` in a row the run
 *   ends as "spinning", whatever the other threads do. Without this, a busy-waiting thread passes every
 *   schedule in which the others finish its wait for it.
 * - Choices come from fast-check (an array of naturals), so a failing schedule shrinks to a short one
 *   and replays from the seed and path fast-check prints.
 *
 * Workers are reused across runs: a pool costs one start-up, each run only messages and steps.
 */
import type { Worker } from "node:worker_threads";
import { scaledWait, withDeadline } from "./deadline.ts";
import {
  type FromWorker,
  NOTIFY_ALL,
  OP,
  SLOT,
  STATE,
  STRIDE,
  type ToWorker,
  WAIT_RESULT,
} from "./threads-protocol.ts";
import { startWorker } from "./workers.ts";

const entry = new URL("./thread-worker.ts", import.meta.url);

/**
 * Reads of unchanged cells a thread may make in one run. Correct code re-reads a cell only after a write
 * or a wake-up, give or take a check repeated by a caller; a thread that spins makes one per turn.
 */
export const DEFAULT_MAX_IDLE_READS = 8;

type WaitAsyncResult =
  | { async: false; value: "not-equal" | "timed-out" }
  | { async: true; value: Promise<"ok" | "timed-out"> };
const { waitAsync } = Atomics as unknown as {
  waitAsync(cells: Int32Array, index: number, value: number, timeoutMs: number): WaitAsyncResult;
};

interface PoolWorker {
  worker: Worker;
  exited: boolean;
  onExit: Promise<number>;
}

/** Worker threads that run the bodies of one scenario module, reused across runs. */
export class ThreadPool {
  private readonly workers: (PoolWorker | undefined)[];
  private closed = false;
  private nextRun = 1;

  private constructor(
    private readonly scenario: string,
    private readonly data: unknown,
    readonly size: number,
  ) {
    this.workers = Array.from({ length: size }, () => undefined);
  }

  /**
   * Start `size` workers on `scenario`, a module (path or file: URL) that exports the thread bodies
   * (see ThreadBody) and optionally `init(data)`, run once per worker before any body.
   */
  static async start(scenario: string | URL, size: number, data?: unknown): Promise<ThreadPool> {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`a pool needs at least one thread, got ${size}`);
    const url = typeof scenario === "string" ? new URL(scenario, "file://") : scenario;
    const pool = new ThreadPool(url.href, data, size);
    try {
      await Promise.all(pool.workers.map((_, k) => pool.worker(k)));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  private started = 0;

  /** How many workers this pool has started so far, restarts included: reuse is counted, not timed. */
  get startedWorkers(): number {
    return this.started;
  }

  /** A new run's number, so late messages of an earlier run are told apart. */
  runId(): number {
    return this.nextRun++;
  }

  /** The k-th worker, started (again) if it is not running. */
  async worker(k: number): Promise<PoolWorker> {
    if (this.closed) throw new Error("the thread pool is closed");
    const current = this.workers[k];
    if (current && !current.exited) return current;
    this.started++;
    const worker = startWorker(entry, {
      name: `thread ${k}`,
      workerData: { scenario: this.scenario, data: this.data },
    });
    const entryOfPool: PoolWorker = {
      worker,
      exited: false,
      onExit: new Promise((resolve) => worker.once("exit", resolve)),
    };
    void entryOfPool.onExit.then(() => {
      entryOfPool.exited = true;
    });
    this.workers[k] = entryOfPool;
    const ready = new Promise<void>((resolve, reject) => {
      const onMessage = (message: FromWorker) => {
        if (message.type === "ready") resolve();
        else if (message.type === "setup-failed")
          reject(new Error(`thread ${k} could not load its scenario: ${message.message}`));
      };
      worker.on("message", onMessage);
      worker.once("error", reject);
      void entryOfPool.onExit.then((code) =>
        reject(new Error(`thread ${k} exited with code ${code} while loading its scenario`)),
      );
    });
    // A hang backstop: a loaded machine may take many seconds to start a worker and compile its scenario.
    await withDeadline(ready, 60_000, `loading the scenario in thread ${k}`);
    return entryOfPool;
  }

  /** End a worker that no longer answers; the next run starts a fresh one. */
  async replace(k: number): Promise<void> {
    const current = this.workers[k];
    this.workers[k] = undefined;
    if (current && !current.exited) await current.worker.terminate();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => (w && !w.exited ? w.worker.terminate() : undefined)));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** One simulated thread of a run. */
export interface ThreadSpec {
  /** The name of the body in the scenario module. */
  readonly body: string;
  /** Its argument, structured-cloned (SharedArrayBuffers stay shared). */
  readonly args?: unknown;
  /** How the thread is named in reports; default "thread <k>". */
  readonly name?: string;
}

export interface InterleaveOptions {
  /** The shared memory, by name (names appear in the schedule). Bodies get the same object. */
  readonly shared: Readonly<Record<string, SharedArrayBuffer>>;
  readonly threads: readonly ThreadSpec[];
  /** Which option to pick at each step (modulo the number of options); then round robin. */
  readonly choices: readonly number[];
  /** Steps before the run counts as a livelock; default 5000. */
  readonly maxSteps?: number;
  /** How long one thread may run between two operations; default 3000 ms (scaled: see scaledWait). */
  readonly stallMs?: number;
  /** Reads of unchanged cells one thread may make in a row before the run counts as spinning; default 8. */
  readonly maxIdleReads?: number;
}

/** One step of a schedule, in words, for reports. */
export interface TraceStep {
  readonly step: number;
  readonly thread: number;
  readonly text: string;
}

export type Verdict = "finished" | "deadlock" | "livelock" | "spinning" | "failed" | "stuck" | "crashed";

export interface InterleaveResult {
  readonly verdict: Verdict;
  /** Each thread's return value (undefined unless it finished). */
  readonly results: readonly unknown[];
  /** For "failed": which thread threw what. */
  readonly failure?: { readonly thread: number; readonly message: string; readonly stack: string };
  /** Why a run did not finish, in one sentence (empty when it finished). */
  readonly reason: string;
  readonly trace: readonly TraceStep[];
  /** Operations each thread performed (its own steps, blocked waits included). */
  readonly operations: readonly number[];
  /** Reads each thread made of a cell nobody had changed since it last read it, in all (see maxIdleReads). */
  readonly idleReads: readonly number[];
  /** The names of the threads, as in the trace. */
  readonly names: readonly string[];
}

interface Waiter {
  readonly thread: number;
  readonly address: string;
  readonly timeout: number;
}

/**
 * Run `threads` one operation at a time, in the order `choices` picks. Resolves with the verdict and
 * the schedule; never rejects for what the threads do (only for a misuse of the harness).
 */
export async function interleave(pool: ThreadPool, options: InterleaveOptions): Promise<InterleaveResult> {
  const { threads, choices } = options;
  const maxSteps = options.maxSteps ?? 5_000;
  const maxIdleReads = options.maxIdleReads ?? DEFAULT_MAX_IDLE_READS;
  const stallMs = options.stallMs ?? scaledWait(3_000);
  const n = threads.length;
  if (n < 1 || n > pool.size) throw new RangeError(`a run needs 1 to ${pool.size} threads, got ${n}`);
  const names = threads.map((t, k) => t.name ?? `thread ${k}`);
  const bufferNames = Object.keys(options.shared);
  const buffers = bufferNames.map((name) => options.shared[name]!);
  const views = buffers.map((b) => new Int32Array(b, 0, Math.floor(b.byteLength / 4)));
  const control = new Int32Array(new SharedArrayBuffer(n * STRIDE * 4));
  const timeouts = new Float64Array(new SharedArrayBuffer(n * 8));
  const slot = (t: number, name: keyof typeof SLOT) => t * STRIDE + SLOT[name];
  const run = pool.runId();

  const results: unknown[] = Array.from({ length: n }, () => undefined);
  const operations = Array.from({ length: n }, () => 0);
  const idleReads = Array.from({ length: n }, () => 0);
  /** Each thread's idle reads since it last wrote, woke or saw a change. */
  const idleInARow = Array.from({ length: n }, () => 0);
  /** Writes to each cell so far, by address: a read is idle when its cell's count has not moved. */
  const writes = new Map<string, number>();
  /** For each thread, the write count of each cell when it last read it; forgotten when it sleeps. */
  const lastLooks: Map<string, number>[] = Array.from({ length: n }, () => new Map());
  let spinner: { thread: number; address: string } | undefined;
  /** Count a read of `where` by thread t; true once t has read unchanged cells too often. */
  const looked = (t: number, where: string): void => {
    const now = writes.get(where) ?? 0;
    if (lastLooks[t]!.get(where) === now) {
      idleReads[t]!++;
      idleInARow[t]!++;
    } else idleInARow[t] = 0;
    lastLooks[t]!.set(where, now);
    if (idleInARow[t]! > maxIdleReads) spinner ??= { thread: t, address: where };
  };
  const wrote = (t: number, where: string) => {
    writes.set(where, (writes.get(where) ?? 0) + 1);
    idleInARow[t] = 0;
  };
  const woke = (t: number) => {
    lastLooks[t]!.clear();
    idleInARow[t] = 0;
  };
  const trace: TraceStep[] = [];
  const done = Array.from({ length: n }, () => false);
  /** A thread's wait already decided (woken or timed out): its next step returns this. */
  const decided: (number | undefined)[] = Array.from({ length: n }, () => undefined);
  const blocked: Waiter[] = [];
  let failure: InterleaveResult["failure"];
  let crashed: string | undefined;

  const workers = await Promise.all(threads.map((_, k) => pool.worker(k)));
  /** The final message of each thread (done or failed), when it comes. */
  const finals = workers.map(
    (w, k) =>
      new Promise<FromWorker>((resolve) => {
        const onMessage = (message: FromWorker) => {
          if ((message.type === "done" || message.type === "failed") && message.run === run) {
            w.worker.off("message", onMessage);
            resolve(message);
          }
        };
        w.worker.on("message", onMessage);
        void w.onExit.then((code) => {
          w.worker.off("message", onMessage);
          resolve({
            type: "failed",
            run,
            thread: k,
            message: `the thread's worker exited with code ${code}`,
            stack: "",
            aborted: false,
          });
        });
      }),
  );

  const address = (t: number) => `${bufferNames[control[slot(t, "buffer")]!]}[${control[slot(t, "index")]!}]`;

  /** Wait until thread t announces its next operation or ends; false if it does not within stallMs. */
  async function settle(t: number, ack: number): Promise<boolean> {
    for (let spin = 0; spin < 2_000; spin++) if (Atomics.load(control, slot(t, "ack")) !== ack) return true;
    const deadline = performance.now() + stallMs;
    while (Atomics.load(control, slot(t, "ack")) === ack) {
      const left = deadline - performance.now();
      if (left <= 0 || workers[t]!.exited) return false;
      const waiting = waitAsync(control, slot(t, "ack"), ack, Math.min(left, 100));
      if (!waiting.async) continue;
      // A pending waitAsync does not keep Node's event loop alive; this timer does.
      const keepAlive = setTimeout(() => {}, 200);
      try {
        await waiting.value;
      } finally {
        clearTimeout(keepAlive);
      }
    }
    return true;
  }

  /** After thread t moved: record its end, if it ended. */
  async function afterMove(t: number): Promise<void> {
    if (Atomics.load(control, slot(t, "state")) !== STATE.done) return;
    done[t] = true;
    const message = await finals[t]!;
    if (message.type === "done") results[t] = message.value;
    else if (message.type === "failed" && !failure)
      failure = { thread: t, message: message.message, stack: message.stack };
  }

  async function grant(t: number, result: number): Promise<boolean> {
    const ack = Atomics.load(control, slot(t, "ack"));
    control[slot(t, "result")] = result;
    Atomics.add(control, slot(t, "turn"), 1);
    Atomics.notify(control, slot(t, "turn"));
    if (!(await settle(t, ack))) return false;
    await afterMove(t);
    return true;
  }

  const message = (k: number): ToWorker => ({
    type: "controlled",
    run,
    thread: k,
    control: control.buffer as SharedArrayBuffer,
    timeouts: timeouts.buffer as SharedArrayBuffer,
    names: bufferNames,
    buffers,
    body: threads[k]!.body,
    args: threads[k]!.args,
  });

  let verdict: Verdict = "finished";
  let reason = "";
  let stuckThread: number | undefined;
  try {
    for (let k = 0; k < n; k++) workers[k]!.worker.postMessage(message(k));
    // Every thread runs up to its first operation (or its end) before the first step.
    for (let k = 0; k < n; k++) {
      if (!(await settle(k, 0))) {
        stuckThread = k;
        break;
      }
      await afterMove(k);
    }
    let step = 0;
    let lastMoved = -1;
    while (stuckThread === undefined && !failure) {
      const runnable = [...Array(n).keys()].filter((t) => !done[t] && !blocked.some((w) => w.thread === t));
      const timeoutable = blocked.filter((w) => Number.isFinite(w.timeout));
      const optionsNow = [
        ...runnable.map((t) => ({ t, timeout: false })),
        ...timeoutable.map((w) => ({ t: w.thread, timeout: true })),
      ].sort((a, b) => a.t - b.t);
      if (optionsNow.length === 0) {
        if (done.every(Boolean)) break;
        verdict = "deadlock";
        reason = `deadlock: no thread can move, but ${blocked.length} of ${n} ${blocked.length === 1 ? "is" : "are"} not done: ${blocked
          .map((w) => `${names[w.thread]} waits on ${w.address} for ever`)
          .join("; ")}`;
        break;
      }
      if (step >= maxSteps) {
        verdict = "livelock";
        reason = `livelock: the threads took ${maxSteps} steps without finishing (a busy loop that never waits?)`;
        break;
      }
      const choice = choices[step];
      // Once the choices are used up, take turns: the next thread after the one that moved last.
      const pick =
        choice !== undefined
          ? optionsNow[choice % optionsNow.length]!
          : (optionsNow.find((o) => o.t > lastMoved) ?? optionsNow[0]!);
      lastMoved = pick.t;
      step++;
      const t = pick.t;
      const say = (text: string) => trace.push({ step, thread: t, text: `${names[t]}: ${text}` });
      if (pick.timeout) {
        const at = blocked.findIndex((w) => w.thread === t);
        const [waiter] = blocked.splice(at, 1);
        say(`its wait on ${waiter!.address} times out → "timed-out"`);
        woke(t);
        if (!(await grant(t, WAIT_RESULT["timed-out"]))) stuckThread = t;
        continue;
      }
      const early = decided[t];
      if (early !== undefined) {
        decided[t] = undefined;
        say(`returns from its wait → "ok"`);
        woke(t);
        if (!(await grant(t, early))) stuckThread = t;
        continue;
      }
      operations[t]!++;
      const code = control[slot(t, "op")]!;
      const view = views[control[slot(t, "buffer")]!]!;
      const index = control[slot(t, "index")]!;
      const arg1 = control[slot(t, "arg1")]!;
      const arg2 = control[slot(t, "arg2")]!;
      const where = address(t);
      let result: number;
      switch (code) {
        case OP.load:
          result = Atomics.load(view, index);
          say(`load(${where}) → ${result}`);
          looked(t, where);
          break;
        case OP.store:
          result = Atomics.store(view, index, arg1);
          say(`store(${where}, ${arg1})`);
          wrote(t, where);
          break;
        case OP.add:
          result = Atomics.add(view, index, arg1);
          say(`add(${where}, ${arg1}) → ${result} (now ${result + arg1})`);
          wrote(t, where);
          break;
        case OP.sub:
          result = Atomics.sub(view, index, arg1);
          say(`sub(${where}, ${arg1}) → ${result} (now ${result - arg1})`);
          wrote(t, where);
          break;
        case OP.compareExchange:
          result = Atomics.compareExchange(view, index, arg1, arg2);
          say(
            `compareExchange(${where}, ${arg1}, ${arg2}) → ${result} (${result === arg1 ? "swapped" : "unchanged"})`,
          );
          // A failed exchange is a read: retrying it on an unchanged cell is spinning too.
          if (result === arg1) wrote(t, where);
          else looked(t, where);
          break;
        case OP.wait: {
          const timeout = timeouts[t]!;
          const current = Atomics.load(view, index);
          if (current !== arg1) {
            result = WAIT_RESULT["not-equal"];
            say(`wait(${where}, ${arg1}) → "not-equal" (it is ${current})`);
            // wait() does not say what the cell holds: the read that finds out is not idle.
            looked(t, where);
            lastLooks[t]!.delete(where);
          } else if (timeout <= 0) {
            result = WAIT_RESULT["timed-out"];
            say(`wait(${where}, ${arg1}, 0) → "timed-out" (a zero timeout never sleeps)`);
            looked(t, where);
          } else {
            blocked.push({ thread: t, address: where, timeout });
            say(
              `wait(${where}, ${arg1}${Number.isFinite(timeout) ? `, ${timeout}` : ""}) → blocked (it is ${current})`,
            );
            continue;
          }
          break;
        }
        case OP.notify: {
          const limit = arg1 === NOTIFY_ALL ? Infinity : arg1;
          const woken: number[] = [];
          for (let k = 0; k < blocked.length && woken.length < limit; ) {
            if (blocked[k]!.address === where) {
              woken.push(blocked[k]!.thread);
              blocked.splice(k, 1);
            } else k++;
          }
          for (const w of woken) decided[w] = WAIT_RESULT.ok;
          result = woken.length;
          say(
            `notify(${where}${arg1 === NOTIFY_ALL ? "" : `, ${arg1}`}) → ${result}${woken.length ? ` (wakes ${woken.map((w) => names[w]).join(", ")})` : " (nobody was waiting)"}`,
          );
          break;
        }
        default:
          throw new Error(`harness: unknown operation code ${code} from ${names[t]}`);
      }
      if (spinner) {
        verdict = "spinning";
        reason = `spinning: ${names[spinner.thread]} read ${spinner.address} again and again (${idleInARow[spinner.thread]} reads in a row of cells nobody had changed since its last look) instead of sleeping in wait() until another thread changes it`;
        break;
      }
      if (!(await grant(t, result))) stuckThread = t;
    }
    if (stuckThread !== undefined) {
      const w = workers[stuckThread]!;
      if (w.exited) {
        verdict = "crashed";
        const final = await finals[stuckThread]!;
        crashed = final.type === "failed" ? final.message : "it exited";
        reason = `${names[stuckThread]} crashed: ${crashed}`;
      } else {
        verdict = "stuck";
        reason = `${names[stuckThread]} ran for ${stallMs} ms without reaching an atomics operation or its end (an endless loop that never touches shared memory?)`;
      }
    } else if (failure) {
      verdict = "failed";
      reason = `${names[failure.thread]} threw: ${failure.message}`;
    }
  } finally {
    await endRun();
  }

  /** Make every thread that has not ended throw out of its operation, and wait for it; replace the deaf. */
  async function endRun(): Promise<void> {
    const open = [...Array(n).keys()].filter((t) => !done[t]);
    for (const t of open) {
      Atomics.store(control, slot(t, "abort"), 1);
      Atomics.add(control, slot(t, "turn"), 1);
      Atomics.notify(control, slot(t, "turn"));
    }
    await Promise.all(
      open.map(async (t) => {
        if (t === stuckThread) {
          await pool.replace(t);
          return;
        }
        try {
          await withDeadline(finals[t]!, scaledWait(1_000), `${names[t]} ending`);
        } catch {
          await pool.replace(t);
        }
      }),
    );
  }

  return { verdict, results, reason, trace, operations, idleReads, names, ...(failure ? { failure } : {}) };
}

/** The schedule in numbered steps; long ones keep their start and their end. */
export function formatSchedule(result: InterleaveResult, maxLines = 60): string {
  const lines = result.trace.map((s) => `  ${String(s.step).padStart(3)}. ${s.text}`);
  if (lines.length > maxLines) {
    const head = Math.floor(maxLines / 3);
    lines.splice(head, lines.length - maxLines, `  … ${result.trace.length - maxLines} steps left out …`);
  }
  return `schedule (${result.trace.length} steps):\n${lines.join("\n")}`;
}

/**
 * Fail unless the run finished: the message says what went wrong (a deadlock, a thread's error, a
 * livelock) in the exercise's words (`context`) and shows the schedule that caused it.
 */
export function expectFinished(result: InterleaveResult, context: string): void {
  if (result.verdict === "finished") return;
  throw new Error(`${context}: ${result.reason}\n${formatSchedule(result)}`);
}

/** Fail with `message` and the schedule unless `condition` holds (for invariants checked after a run). */
export function expectOnSchedule(condition: boolean, message: string, result: InterleaveResult): void {
  if (!condition) throw new Error(`${message}\n${formatSchedule(result)}`);
}
