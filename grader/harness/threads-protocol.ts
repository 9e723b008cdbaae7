/**
 * What the test thread and the harness's thread workers agree on (see interleave.ts, stress.ts and
 * thread-worker.ts): the AtomicsLike shape, the messages, and the layout of the control memory of a
 * controlled run.
 */

// The subset of Atomics that thread exercises use is the course's contract, defined once in the given
// code learners import it from; the harness hands out implementations of that very type.
import type { AtomicsLike } from "../../exercises/04-threads/atomics.ts";

export type { AtomicsLike };

/** The real Atomics, typed as an AtomicsLike (Node 20 has waitAsync; the ES2023 typings do not). */
export const realAtomics = Atomics as unknown as AtomicsLike;

/**
 * A body a thread runs: `atomics` is the only way it may touch shared memory; `shared` holds the run's
 * SharedArrayBuffers by name; `args` is the test's per-thread argument (structured-cloned).
 * What it returns (structured-cloned) is the thread's result.
 */
export type ThreadBody = (
  atomics: AtomicsLike,
  shared: Readonly<Record<string, SharedArrayBuffer>>,
  args: never,
) => unknown;

/** Operation codes written into a thread's control slots. */
export const OP = {
  load: 1,
  store: 2,
  add: 3,
  sub: 4,
  compareExchange: 5,
  wait: 6,
  notify: 7,
} as const;

/** Int32 slots per thread in the control memory of a controlled run. */
export const STRIDE = 12;
/** Slot offsets inside a thread's stride. */
export const SLOT = {
  /** Bumped by the controller to give the thread its turn; the thread waits on it. */
  turn: 0,
  /** Bumped by the thread each time it reaches an operation or ends; the controller waits on it. */
  ack: 1,
  /** What the thread is doing: see STATE. */
  state: 2,
  op: 3,
  buffer: 4,
  /** Element index of the Int32 the operation is on, counted from the start of the buffer. */
  index: 5,
  arg1: 6,
  arg2: 7,
  /** The operation's result (for wait: see WAIT_RESULT). */
  result: 8,
  /** 1: the run is over, throw out of the operation. */
  abort: 9,
} as const;
export const STATE = { running: 0, pending: 1, done: 2 } as const;
export const WAIT_RESULT = { ok: 0, "not-equal": 1, "timed-out": 2 } as const;
export const WAIT_RESULT_NAMES = ["ok", "not-equal", "timed-out"] as const;
/** notify's count "all" (undefined or Infinity) travels as -1. */
export const NOTIFY_ALL = -1;

/** Messages to a thread worker. */
export type ToWorker =
  | {
      readonly type: "controlled";
      readonly run: number;
      readonly thread: number;
      /** Int32 control memory; a Float64Array over `timeouts` holds each thread's wait timeout. */
      readonly control: SharedArrayBuffer;
      readonly timeouts: SharedArrayBuffer;
      readonly names: readonly string[];
      readonly buffers: readonly SharedArrayBuffer[];
      readonly body: string;
      readonly args: unknown;
    }
  | {
      readonly type: "stress";
      readonly run: number;
      readonly thread: number;
      readonly gate: { readonly buffer: SharedArrayBuffer; readonly parties: number };
      /** Let the body alone keep the thread alive (its message port stops counting), as in a real program. */
      readonly alone: boolean;
      readonly names: readonly string[];
      readonly buffers: readonly SharedArrayBuffer[];
      readonly body: string;
      readonly args: unknown;
    };

/** Messages from a thread worker. */
export type FromWorker =
  | { readonly type: "ready" }
  | { readonly type: "setup-failed"; readonly message: string }
  | { readonly type: "done"; readonly run: number; readonly thread: number; readonly value: unknown }
  | {
      readonly type: "failed";
      readonly run: number;
      readonly thread: number;
      readonly message: string;
      readonly stack: string;
      readonly aborted: boolean;
    };

/** The error an operation throws in a thread whose run the controller ended (deadlock, failure elsewhere). */
export const ABORTED_MESSAGE = "the controlled run was ended by the test harness";
