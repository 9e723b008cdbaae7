/**
 * The entry of every thread worker that interleave.ts and stress.ts start. It imports the test's scenario
 * module (which exports the bodies threads run, and optionally `init(data)`), then runs one body per
 * message:
 * - "controlled": with an AtomicsLike whose every operation announces itself in the control memory and
 *   blocks this thread until the controller (the test thread) gives it the turn. The controller performs
 *   the operation on the shared memory and hands back the result, so it decides every interleaving.
 * - "stress": with the real Atomics, after a start gate, as fast as the machine goes.
 */
import { parentPort, workerData } from "node:worker_threads";
import { arriveAndWait } from "./shared-memory.ts";
import {
  ABORTED_MESSAGE,
  type AtomicsLike,
  type FromWorker,
  NOTIFY_ALL,
  OP,
  realAtomics,
  SLOT,
  STATE,
  STRIDE,
  type ThreadBody,
  type ToWorker,
  WAIT_RESULT_NAMES,
} from "./threads-protocol.ts";

const { scenario, data } = workerData as { scenario: string; data: unknown };
const port = parentPort!;
const post = (message: FromWorker) => port.postMessage(message);

let bodies: Record<string, ThreadBody>;
try {
  const module = (await import(scenario)) as Record<string, unknown> & {
    init?: (data: unknown) => unknown;
  };
  if (typeof module.init === "function") await module.init(data);
  bodies = module as unknown as Record<string, ThreadBody>;
  post({ type: "ready" });
} catch (error) {
  post({ type: "setup-failed", message: messageOf(error) });
  throw error;
}

class RunAborted extends Error {
  override name = "RunAborted";
  constructor() {
    super(ABORTED_MESSAGE);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepUntil(deadline: number): void {
  for (let left = deadline - performance.now(); left > 0; left = deadline - performance.now()) {
    Atomics.wait(sleeper, 0, 0, left);
  }
}

function check(a: Int32Array, i: number, buffers: readonly SharedArrayBuffer[]): number {
  if (!(a instanceof Int32Array)) throw new TypeError("atomics operations need an Int32Array");
  if (!Number.isInteger(i) || i < 0 || i >= a.length) {
    throw new RangeError(`index ${i} is out of range for an Int32Array of length ${a.length}`);
  }
  const id = buffers.indexOf(a.buffer as SharedArrayBuffer);
  if (id < 0) {
    throw new Error(
      "this Int32Array is not on a SharedArrayBuffer the test shared with the threads; only the test's shared memory can be used here",
    );
  }
  return id;
}

/** The AtomicsLike of one thread in one controlled run. */
function controlledAtomics(message: Extract<ToWorker, { type: "controlled" }>): AtomicsLike {
  const control = new Int32Array(message.control);
  const timeouts = new Float64Array(message.timeouts);
  const base = message.thread * STRIDE;
  const slot = (name: keyof typeof SLOT) => base + SLOT[name];
  let aborted = false;

  /** Announce an operation, wait for the turn, return the result the controller wrote. */
  function step(code: number, a: Int32Array, i: number, arg1 = 0, arg2 = 0, timeout = 0): number {
    if (aborted) throw new RunAborted();
    const id = check(a, i, message.buffers);
    const turn = Atomics.load(control, slot("turn"));
    control[slot("op")] = code;
    control[slot("buffer")] = id;
    control[slot("index")] = a.byteOffset / 4 + i;
    control[slot("arg1")] = arg1;
    control[slot("arg2")] = arg2;
    timeouts[message.thread] = timeout;
    Atomics.store(control, slot("state"), STATE.pending);
    Atomics.add(control, slot("ack"), 1);
    Atomics.notify(control, slot("ack"));
    while (Atomics.load(control, slot("turn")) === turn) Atomics.wait(control, slot("turn"), turn);
    Atomics.store(control, slot("state"), STATE.running);
    if (Atomics.load(control, slot("abort")) === 1) {
      aborted = true;
      throw new RunAborted();
    }
    return Atomics.load(control, slot("result"));
  }

  const toInt = (v: number) => v | 0;
  return {
    load: (a, i) => step(OP.load, a, i),
    store: (a, i, v) => {
      step(OP.store, a, i, toInt(v));
      return toInt(v);
    },
    add: (a, i, v) => step(OP.add, a, i, toInt(v)),
    sub: (a, i, v) => step(OP.sub, a, i, toInt(v)),
    compareExchange: (a, i, expected, replacement) =>
      step(OP.compareExchange, a, i, toInt(expected), toInt(replacement)),
    wait(a, i, v, timeoutMs) {
      const timeout = timeoutMs === undefined || Number.isNaN(timeoutMs) ? Infinity : Math.max(0, timeoutMs);
      const started = performance.now();
      const result = WAIT_RESULT_NAMES[step(OP.wait, a, i, toInt(v), 0, timeout)]!;
      // A wait the schedule timed out really lasts its timeout, so code that checks the clock agrees.
      if (result === "timed-out" && Number.isFinite(timeout)) sleepUntil(started + timeout);
      return result;
    },
    waitAsync() {
      throw new Error(
        "waitAsync cannot run under controlled interleavings (a thread here is one synchronous body); test it with real Atomics",
      );
    },
    notify(a, i, count) {
      const n = count === undefined || count === Infinity ? NOTIFY_ALL : Math.max(0, Math.floor(count));
      return step(OP.notify, a, i, n);
    },
  };
}

function finish(message: ToWorker, outcome: { value: unknown } | { error: unknown }, aborted = false): void {
  if ("value" in outcome) {
    try {
      post({ type: "done", run: message.run, thread: message.thread, value: outcome.value });
      return;
    } catch (error) {
      outcome = { error: new Error(`the thread's result cannot be sent back: ${messageOf(error)}`) };
    }
  }
  const error = (outcome as { error: unknown }).error;
  post({
    type: "failed",
    run: message.run,
    thread: message.thread,
    message: messageOf(error),
    stack: error instanceof Error ? (error.stack ?? "") : "",
    aborted: aborted || error instanceof RunAborted,
  });
}

port.on("message", async (message: ToWorker) => {
  const body = bodies[message.body];
  const shared = Object.fromEntries(message.names.map((name, k) => [name, message.buffers[k]!]));
  if (message.type === "stress") {
    try {
      arriveAndWait(message.gate);
      if (typeof body !== "function") throw new Error(`the scenario has no body named ${message.body}`);
      // With nothing else holding the thread, a body that awaits what does not keep the event loop
      // alive (a bare Atomics.waitAsync) lets the worker exit, which the test sees.
      if (message.alone) port.unref();
      finish(message, { value: await body(realAtomics, shared, message.args as never) });
    } catch (error) {
      finish(message, { error });
    } finally {
      port.ref();
    }
    return;
  }
  const control = new Int32Array(message.control);
  const base = message.thread * STRIDE;
  let outcome: { value: unknown } | { error: unknown };
  try {
    if (typeof body !== "function") throw new Error(`the scenario has no body named ${message.body}`);
    outcome = { value: await body(controlledAtomics(message), shared, message.args as never) };
  } catch (error) {
    outcome = { error };
  }
  const aborted = Atomics.load(control, base + SLOT.abort) === 1;
  // Post first, then say "done": the controller waits for this message once it sees the state.
  finish(message, outcome, aborted);
  Atomics.store(control, base + SLOT.state, STATE.done);
  Atomics.add(control, base + SLOT.ack, 1);
  Atomics.notify(control, base + SLOT.ack);
});
