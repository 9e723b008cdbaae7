/**
 * Given code for chapter 5: a communicator, after mpi4py's `MPI.COMM_WORLD`. Do not edit it: grading
 * always uses the trusted copy.
 *
 * A program is written once, as `async (comm) => result`, and runs on `size` ranks that share nothing and
 * only exchange messages with `comm.send` and `comm.recv`:
 * - `runLocal(size, program)` runs every rank in this thread. Tests pass `{ delay }` to decide when each
 *   message arrives, so they can try many delivery orders.
 * - `runWorkers(size, "program.ts")` runs the module's default export on `size` worker threads, one per rank,
 *   joined pairwise by MessagePorts (like `mpiexec -n size python program.py`).
 *
 * Guarantees, on both: the value is structured-cloned at send; messages from one source with one tag arrive
 * in the order they were sent (MPI's "non-overtaking" rule); a message that no receive matches yet is kept
 * until one does; a receive matches the oldest message that fits; the first rank that fails rejects the whole
 * run with its error, and the other ranks' receives reject too, so nothing waits forever.
 *
 * Read: chapters/05-distributed/README.md#ranks-and-communicators
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import { isMainThread, MessageChannel, type MessagePort, parentPort, workerData } from "node:worker_threads";
import { startWorker } from "../../grader/harness/workers.ts";

/** recv from any rank. */
export const ANY_SOURCE = -1;
/** recv a message with any tag. */
export const ANY_TAG = -1;

export interface Comm {
  readonly rank: number;
  readonly size: number;
  /** Send a structured clone of `value` to rank `dest`; returns at once. tag: a non-negative integer, default 0. */
  send(value: unknown, dest: number, tag?: number): void;
  /** The oldest message from `source` with `tag` (defaults ANY_SOURCE, ANY_TAG), once one has arrived. */
  recv<T>(source?: number, tag?: number): Promise<T>;
}

/** A message on its way, as runLocal's `delay` option sees it. */
export interface Envelope {
  readonly source: number;
  readonly dest: number;
  readonly tag: number;
  readonly data: unknown;
}

export interface LocalOptions {
  /**
   * Called once for every message sent; a message arrives when the promise returned for it settles. Messages
   * with the same source, destination and tag still arrive in sending order: whichever of their promises
   * settles first delivers the oldest of them. Default: every message arrives a microtask later.
   * With fast-check: `{ delay: (m) => s.schedule(Promise.resolve(), \`${m.source}→${m.dest} tag ${m.tag}\`) }`.
   */
  readonly delay?: (message: Envelope) => PromiseLike<unknown>;
}

export interface WorkersOptions {
  /** Reject, ending every worker, if the ranks have not all finished by then. Default 60 s. */
  readonly timeoutMs?: number;
}

/** The error receives reject with once another rank failed: the run is over. */
export class RunAborted extends Error {
  override name = "RunAborted";
  constructor(readonly failedRank: number) {
    super(`rank ${failedRank} failed, so the run was stopped`);
  }
}

/** Run `program` on `size` ranks in this thread; rejects with the first rank's error, and never hangs on it. */
export function runLocal<R>(
  size: number,
  program: (comm: Comm) => Promise<R>,
  options: LocalOptions = {},
): Promise<R[]> {
  checkSize(size);
  const boxes = Array.from({ length: size }, () => new Mailbox());
  const inFlight = new Map<string, Envelope[]>();
  let aborted: RunAborted | undefined;

  const post = (source: number, value: unknown, dest: number, tag: number) => {
    const envelope: Envelope = { source, dest, tag, data: structuredClone(value) };
    if (aborted) return;
    const key = `${source} ${dest} ${tag}`;
    const channel = inFlight.get(key) ?? [];
    inFlight.set(key, channel);
    channel.push(envelope);
    const arrive = () => {
      const oldest = channel.shift();
      if (oldest && !aborted) boxes[dest]!.deliver(oldest);
    };
    Promise.resolve(options.delay ? options.delay(envelope) : undefined).then(arrive, arrive);
  };

  return new Promise<R[]>((resolve, reject) => {
    const results = new Array<R>(size);
    let running = size;
    for (let rank = 0; rank < size; rank++) {
      const comm = makeComm(rank, size, boxes[rank]!, (value, dest, tag) => post(rank, value, dest, tag));
      let result: Promise<R>;
      try {
        result = Promise.resolve(program(comm));
      } catch (error) {
        result = Promise.reject(error);
      }
      result.then(
        (value) => {
          results[rank] = value;
          if (--running === 0 && !aborted) resolve(results);
        },
        (error: unknown) => {
          if (aborted) return;
          aborted = new RunAborted(rank);
          for (const box of boxes) box.abort(aborted);
          reject(error);
        },
      );
    }
  });
}

/** Run the default export of `programModule` on `size` worker threads (like mpiexec -n size). */
export function runWorkers<R>(
  size: number,
  programModule: string | URL,
  { timeoutMs = 60_000 }: WorkersOptions = {},
): Promise<R[]> {
  checkSize(size);
  const program =
    programModule instanceof URL
      ? programModule.href
      : programModule.startsWith("file:")
        ? programModule
        : pathToFileURL(path.resolve(programModule)).href;
  // One MessageChannel per pair of ranks: ports[r][q] is rank r's end of the line to rank q.
  const ports: (MessagePort | null)[][] = Array.from({ length: size }, () => new Array(size).fill(null));
  for (let i = 0; i < size; i++)
    for (let j = i + 1; j < size; j++) {
      const { port1, port2 } = new MessageChannel();
      ports[i]![j] = port1;
      ports[j]![i] = port2;
    }

  return new Promise<R[]>((resolve, reject) => {
    const results = new Array<R>(size);
    const finished = new Array<boolean>(size).fill(false);
    let running = size;
    let settled = false;
    const workers: ReturnType<typeof startWorker>[] = [];
    const end = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      Promise.all(workers.map((worker) => worker.terminate())).then(outcome, outcome);
    };
    const timer = setTimeout(() => {
      const late = finished.flatMap((done, rank) => (done ? [] : [rank]));
      end(() =>
        reject(
          new Error(
            `runWorkers: rank(s) ${late.join(", ")} had not finished after ${timeoutMs} ms: a receive that no send matches?`,
          ),
        ),
      );
    }, timeoutMs);
    for (let rank = 0; rank < size; rank++) {
      const own = ports[rank]!;
      const data: RankData = { [RANK_MARK]: true, rank, size, program, ports: own };
      const worker = startWorker(new URL(import.meta.url), {
        workerData: data,
        transferList: own.filter((port): port is MessagePort => port !== null),
        name: `rank ${rank} of ${size}`,
      });
      workers.push(worker);
      worker.on("message", (message: FromRank<R>) => {
        if (message.type === "done") {
          results[rank] = message.value;
          finished[rank] = true;
          if (--running === 0) end(() => resolve(results));
        } else end(() => reject(revive(message.error)));
      });
      worker.on("error", (error) => end(() => reject(error)));
      worker.on("exit", (code) => {
        if (!finished[rank])
          end(() => reject(new Error(`rank ${rank} exited with code ${code} before it finished`)));
      });
    }
  });
}

// ---------------------------------------------------------------------------------------------------------
// How it works: one mailbox per rank, and the checks every send and recv make.

interface Waiting {
  readonly source: number;
  readonly tag: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

const fits = (source: number, tag: number, envelope: Envelope) =>
  (source === ANY_SOURCE || source === envelope.source) && (tag === ANY_TAG || tag === envelope.tag);

/** Messages that arrived and no receive wanted yet, and receives no message matched yet, each oldest first. */
class Mailbox {
  private readonly arrived: Envelope[] = [];
  private readonly waiting: Waiting[] = [];
  private failure: unknown;

  deliver(envelope: Envelope): void {
    if (this.failure) return;
    const i = this.waiting.findIndex((w) => fits(w.source, w.tag, envelope));
    if (i < 0) this.arrived.push(envelope);
    else this.waiting.splice(i, 1)[0]!.resolve(envelope.data);
  }

  take(source: number, tag: number): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const i = this.arrived.findIndex((envelope) => fits(source, tag, envelope));
    if (i >= 0) return Promise.resolve(this.arrived.splice(i, 1)[0]!.data);
    return new Promise((resolve, reject) => this.waiting.push({ source, tag, resolve, reject }));
  }

  abort(failure: unknown): void {
    this.failure = failure;
    for (const w of this.waiting.splice(0)) w.reject(failure);
    this.arrived.length = 0;
  }
}

function checkSize(size: number): void {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`size must be a positive integer, got ${size}`);
}

function makeComm(
  rank: number,
  size: number,
  box: Mailbox,
  transmit: (value: unknown, dest: number, tag: number) => void,
): Comm {
  const isRank = (r: number) => Number.isInteger(r) && r >= 0 && r < size;
  const isTag = (t: number) => Number.isInteger(t) && t >= 0;
  return Object.freeze({
    rank,
    size,
    send(value: unknown, dest: number, tag = 0): void {
      if (!isRank(dest)) throw new RangeError(`rank ${rank}: send to ${dest}, but ranks are 0..${size - 1}`);
      if (!isTag(tag)) throw new RangeError(`rank ${rank}: send with tag ${tag}; tags are integers >= 0`);
      transmit(value, dest, tag);
    },
    recv<T>(source = ANY_SOURCE, tag = ANY_TAG): Promise<T> {
      if (source !== ANY_SOURCE && !isRank(source))
        return Promise.reject(
          new RangeError(`rank ${rank}: recv from ${source}, but ranks are 0..${size - 1}`),
        );
      if (tag !== ANY_TAG && !isTag(tag))
        return Promise.reject(
          new RangeError(`rank ${rank}: recv with tag ${tag}; tags are integers >= 0 or ANY_TAG`),
        );
      return box.take(source, tag) as Promise<T>;
    },
  });
}

// ---------------------------------------------------------------------------------------------------------
// The rank side of runWorkers: this same module is each worker's entry.

const RANK_MARK = "__concurrencyCourseRank";

interface RankData {
  readonly [RANK_MARK]: true;
  readonly rank: number;
  readonly size: number;
  readonly program: string;
  readonly ports: readonly (MessagePort | null)[];
}

interface SentError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

type FromRank<R> =
  | { readonly type: "done"; readonly value: R }
  | { readonly type: "failed"; readonly error: SentError };

function revive(sent: SentError): Error {
  const kinds: Record<string, ErrorConstructor> = { RangeError, TypeError, SyntaxError, ReferenceError };
  const error = new (kinds[sent.name] ?? Error)(sent.message);
  if (error.name !== sent.name) error.name = sent.name;
  if (sent.stack) error.stack = sent.stack;
  return error;
}

function sendable(error: unknown): SentError {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: "Error", message: `a rank threw a non-Error: ${String(error)}` };
}

async function serveRank({ rank, size, program, ports }: RankData): Promise<void> {
  const parent = parentPort!;
  const box = new Mailbox();
  ports.forEach((port, source) => {
    port?.on("message", ({ tag, data }: { tag: number; data: unknown }) =>
      box.deliver({ source, dest: rank, tag, data }),
    );
  });
  const comm = makeComm(rank, size, box, (value, dest, tag) => {
    if (dest !== rank) {
      ports[dest]!.postMessage({ tag, data: value });
      return;
    }
    const envelope = { source: rank, dest, tag, data: structuredClone(value) };
    queueMicrotask(() => box.deliver(envelope));
  });
  try {
    const module = (await import(program)) as { default?: unknown };
    if (typeof module.default !== "function")
      throw new TypeError(`${program} must export default an async function (comm) => result`);
    const value: unknown = await module.default(comm);
    parent.postMessage({ type: "done", value });
  } catch (error) {
    box.abort(new RunAborted(rank));
    parent.postMessage({ type: "failed", error: sendable(error) });
  }
}

const started = Symbol.for("concurrency-course/comm-rank-started");
const here = globalThis as { [started]?: boolean };
if (!isMainThread && (workerData as Partial<RankData> | null)?.[RANK_MARK] === true && !here[started]) {
  here[started] = true;
  void serveRank(workerData as RankData);
}
