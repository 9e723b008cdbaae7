/**
 * The globals of a learner's compartment, beyond the frozen built-ins SES gives every compartment.
 *
 * Each is made by the course and handed over through the membrane: timers whose handles are the
 * course's own small objects (not Node's, which link to every other timer of the process), a console
 * that prints copies, the clock and randomness of the start compartment, shared memory, the few web
 * classes an exercise's code may build (URL, AbortController), and a `process` with only `nextTick` and
 * `pid`, and Buffer, TextEncoder and TextDecoder behind the membrane like every other class. Not the process
 * itself, no `require` of its own: a learner module reaches other modules only through the `require` it is
 * given.
 */
import type { Membrane } from "./membrane.ts";

type Timer = ReturnType<typeof setTimeout>;
type StructuredSerializeOptionsLike = Parameters<typeof structuredClone>[1];
type Immediate = ReturnType<typeof setImmediate>;

/** The learner's handle on one of its timers: what Node's Timeout offers, and nothing it links to. */
class TimerHandle {
  readonly #timer: Timer | Immediate;
  readonly #id: number;

  constructor(timer: Timer | Immediate, id: number) {
    this.#timer = timer;
    this.#id = id;
  }

  /** Node's own timer, for clearTimeout and friends. */
  static unwrap(handle: unknown): Timer | Immediate | undefined {
    return handle instanceof TimerHandle ? handle.#timer : undefined;
  }

  ref(): this {
    this.#timer.ref();
    return this;
  }

  unref(): this {
    this.#timer.unref();
    return this;
  }

  hasRef(): boolean {
    return this.#timer.hasRef();
  }

  refresh(): this {
    if ("refresh" in this.#timer) this.#timer.refresh();
    return this;
  }

  [Symbol.toPrimitive](): number {
    return this.#id;
  }
}

/**
 * The host side of the compartment's extra globals. Timers call the current global functions at each
 * call, so a test's fake timers (vi.useFakeTimers) apply to learner code as well.
 */
function hostGlobals(membrane: Membrane): Record<string, unknown> {
  let nextId = 1;
  /** Live handles by number, for a learner who clears a timer by `+timer`; forgotten once done. */
  const live = new Map<number, TimerHandle>();
  const start = (
    schedule: (run: (...a: unknown[]) => void) => Timer | Immediate,
    callback: (...a: unknown[]) => void,
    once: boolean,
  ) => {
    const id = nextId++;
    const timer = schedule((...args) => {
      if (once) live.delete(id);
      callback(...args);
    });
    const made = new TimerHandle(timer, id);
    live.set(id, made);
    return made;
  };
  const clear = (value: unknown, how: (timer: Timer & Immediate) => void) => {
    const handle = typeof value === "number" ? live.get(value) : value;
    const timer = TimerHandle.unwrap(handle);
    if (!timer) return;
    live.delete(Number(handle));
    how(timer as Timer & Immediate);
  };
  const print =
    (method: "log" | "info" | "warn" | "error" | "debug" | "trace" | "dir" | "table") =>
    (...args: unknown[]) =>
      (console[method] as (...a: unknown[]) => void)(...args);
  return {
    setTimeout: (callback: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) =>
      start((run) => globalThis.setTimeout(run, ms, ...args), callback, true),
    setInterval: (callback: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) =>
      start((run) => globalThis.setInterval(run, ms, ...args), callback, false),
    setImmediate: (callback: (...a: unknown[]) => void, ...args: unknown[]) =>
      start((run) => globalThis.setImmediate(run, ...args), callback, true),
    clearTimeout: (value: unknown) => clear(value, (timer) => globalThis.clearTimeout(timer)),
    clearInterval: (value: unknown) => clear(value, (timer) => globalThis.clearInterval(timer)),
    clearImmediate: (value: unknown) => clear(value, (timer) => globalThis.clearImmediate(timer)),
    queueMicrotask: (callback: () => void) => globalThis.queueMicrotask(callback),
    structuredClone: (value: unknown, options?: { transfer?: readonly unknown[] }) =>
      // The clone is built from scratch out of built-ins; only transferred ports are the course's.
      options?.transfer
        ? membrane.toLearner(structuredClone(value, options as StructuredSerializeOptionsLike))
        : structuredClone(value),
    console: {
      log: print("log"),
      info: print("info"),
      warn: print("warn"),
      error: print("error"),
      debug: print("debug"),
      trace: print("trace"),
      dir: print("dir"),
      table: print("table"),
    },
    performance: { now: () => performance.now(), timeOrigin: performance.timeOrigin },
    // Not the process: the two members chapter 1 reasons about (the event loop's queues, who runs where).
    process: {
      nextTick: (callback: (...a: unknown[]) => void, ...args: unknown[]) =>
        process.nextTick(callback, ...args),
      pid: process.pid,
    },
    URL,
    URLSearchParams,
    // Text and bytes, as Node code handles them: Buffer's own results cross as copies (plain bytes).
    Buffer,
    TextEncoder,
    TextDecoder,
    // Classes a learner's code may test values against (03-processes/cloneability), or use.
    WeakRef,
    FinalizationRegistry,
    Blob,
    AbortController,
    AbortSignal,
    Event,
    EventTarget,
  };
}

/**
 * Globals every learner compartment gets. The frozen ones (the start compartment's Date and Math, which
 * can tell the time and draw random numbers; Atomics; SharedArrayBuffer; see SHARED_GLOBALS) are shared
 * as they are; everything else crosses the membrane.
 */
export function learnerGlobals(membrane: Membrane): Record<string, unknown> {
  const globals: Record<string, unknown> = Object.fromEntries(
    SHARED_GLOBALS.map((value) => [nameOf(value), value]),
  );
  for (const [name, value] of Object.entries(hostGlobals(membrane)))
    globals[name] = membrane.toLearner(value);
  return globals;
}

/**
 * The frozen objects learnerGlobals shares as they are (the membrane must let them through untouched):
 * besides Date, Math, Atomics and SharedArrayBuffer, the built-ins SES leaves out of compartments for
 * reasons of determinism that do not concern grading (the float arrays, Intl).
 */
export const SHARED_GLOBALS: readonly object[] = [
  Date,
  Math,
  Atomics,
  SharedArrayBuffer,
  Float32Array,
  Float64Array,
  Intl,
];

function nameOf(value: object): string {
  if (value === Math) return "Math";
  if (value === Atomics) return "Atomics";
  if (value === Intl) return "Intl";
  return (value as { name: string }).name;
}
