import { MessageChannel, type MessagePort, type Worker } from "node:worker_threads";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { eventually as eventuallyWithin, scaledWait, withDeadline } from "../../grader/harness/deadline.ts";
import { learnerModule } from "../../grader/harness/learner.ts";
import { watchTimers } from "../../grader/harness/timers.ts";
import {
  type Connection,
  connect,
  consume,
  createWorkQueue,
  openQueue,
  pipe,
  stopConsumers,
  type WorkQueue,
} from "./queue-pipe.ts";
import type { QueuePipeJob, QueuePipeReport } from "./queue-pipe-worker.ts";
import { startThread } from "./runtime.ts";

const workerEntry = new URL("./queue-pipe-worker.ts", import.meta.url);
/** The graded copy of queue-pipe.ts, compiled, for a worker thread to run confined. */
const learnerCode = learnerModule("exercises/03-processes/queue-pipe.ts");

/** Everything a test opens or starts, closed and ended after it even when the code under test misbehaves. */
const workers: Worker[] = [];
const closers: (() => void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) {
    try {
      close();
    } catch {
      // A broken close() must not hide the test's own failure.
    }
  }
  await Promise.all(
    workers
      .splice(0)
      .map((w) => withDeadline(w.terminate(), scaledWait(5_000), "terminate()").catch(() => {})),
  );
});
function opened<C extends { close(): void }>(thing: C): C {
  closers.push(() => thing.close());
  return thing;
}
const newPipe = <T>() => pipe<T>().map(opened) as [Connection<T>, Connection<T>];
const newQueue = <T>() => opened(createWorkQueue<T>());

/** Bounded waits: code that hangs fails the test by name, long before the time limit. */
const WAIT_MS = scaledWait(4_000);
const within = <T>(promise: PromiseLike<T>, what: string, ms = WAIT_MS) => withDeadline(promise, ms, what);
const eventually = (condition: () => boolean, what: string, ms = WAIT_MS) =>
  eventuallyWithin(condition, what, ms);

/** How a promise settled, as plain data: the value, or the error's message. */
type Outcome<T> = { readonly value: T } | { readonly error: string };
const outcome = <T>(promise: Promise<T>): Promise<Outcome<T>> =>
  promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }),
  );
const show = (o: Outcome<unknown> | undefined) =>
  o === undefined
    ? "nothing yet"
    : "value" in o
      ? `the value ${JSON.stringify(o.value)}`
      : `the error "${o.error}"`;

/** A worker running one job of queue-pipe-worker.ts, with what it reported, how it failed, and its exit. */
class Job {
  readonly reports: QueuePipeReport[] = [];
  failure: Error | undefined;
  exitCode: number | undefined;
  private readonly worker: Worker;
  constructor(
    readonly name: string,
    job: QueuePipeJob,
    port: MessagePort,
  ) {
    this.worker = startThread(workerEntry);
    workers.push(this.worker);
    this.worker.on("message", (report: QueuePipeReport) => this.reports.push(report));
    this.worker.on("error", (error) => {
      this.failure = error;
    });
    this.worker.on("exit", (code) => {
      this.exitCode = code;
    });
    this.worker.postMessage({ ...job, learner: learnerCode, port }, [port]);
  }
  /** Tell a "receive" job to go on. */
  go(): void {
    this.worker.postMessage("go");
  }
  /** Its report number `index` (0 for the first). */
  async report(index: number, what: string): Promise<QueuePipeReport> {
    await eventually(
      () => this.reports.length > index || this.failure !== undefined || this.exitCode !== undefined,
      `${this.name} never ${what}`,
    );
    if (this.reports.length <= index) {
      throw new Error(
        this.failure
          ? `${this.name} failed before it ${what}: ${this.failure.message}`
          : `${this.name} ended (code ${this.exitCode}) before it ${what}`,
      );
    }
    return this.reports[index]!;
  }
  /** End the worker now, whatever it is doing. */
  async stop(): Promise<void> {
    await withDeadline(this.worker.terminate(), scaledWait(5_000), `terminate() of ${this.name}`);
  }
  /** Resolves once the worker has ended by itself; `why` says what should have let it end. */
  async ended(why: string): Promise<void> {
    await eventually(
      () => this.exitCode !== undefined,
      `${this.name} did not end by itself ${why}: something in it is still waiting or listening`,
    );
    expect(this.failure?.message, `${this.name} failed`).toBeUndefined();
  }
}

describe("pipe", () => {
  // A send sends the number of sends before it (0, 1, 2 …), so every value is unique and says when it was sent.
  type Op =
    | { readonly kind: "send"; readonly end: 0 | 1 }
    | { readonly kind: "recv"; readonly end: 0 | 1; readonly timeoutMs: number | undefined };
  const end = fc.constantFrom(0 as const, 1 as const);
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant("send" as const), end }),
    fc.record({ kind: fc.constant("recv" as const), end, timeoutMs: fc.constantFrom(undefined, 0, 60_000) }),
  );

  it("delivers what one end sends to the other, in order, to recvs in the order they were made", async () => {
    const [from, to] = newPipe<unknown>();
    const sent = {
      map: new Map([[1, { deep: [-0, Number.NaN] }]]),
      when: new Date(0),
      nothing: undefined,
      big: 10n ** 20n,
    };
    from.send(sent);
    const arrived = await within(to.recv(), "the recv of an object sent through a pipe");
    expect(
      arrived,
      "values travel by structured clone: a Map, a Date, undefined, -0, NaN and a BigInt arrive as they were sent",
    ).toEqual(sent);
    expect(arrived, "values travel by structured clone: the other end receives a copy").not.toBe(sent);
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 24 }), end, async (ops, closing) => {
        const ends = newPipe<number>();
        // The model: values sent towards each end and not yet received, and the recvs waiting there.
        const inbox: [number[], number[]] = [[], []];
        const waiting: [number[], number[]] = [[], []];
        const expected: (Outcome<number> | "waits")[] = [];
        const got: Promise<Outcome<number>>[] = [];
        const log: string[] = [];
        let sent = 0;
        for (const o of ops) {
          const other = o.end === 0 ? 1 : 0;
          if (o.kind === "send") {
            const value = sent++;
            ends[o.end].send(value);
            log.push(`end ${o.end} sends ${value}`);
            const waiter = waiting[other].shift();
            if (waiter === undefined) inbox[other].push(value);
            else expected[waiter] = { value };
          } else {
            got.push(outcome(ends[o.end].recv(o.timeoutMs)));
            log.push(`recv #${got.length - 1} on end ${o.end} (timeout ${o.timeoutMs})`);
            const value = inbox[o.end].shift();
            if (value !== undefined) expected.push({ value });
            else if (o.timeoutMs === 0) expected.push({ error: "recv timed out after 0 ms" });
            else {
              waiting[o.end].push(expected.length);
              expected.push("waits");
            }
          }
        }
        // Let the values reach the recvs that wait for them, then close one end: its waiting recvs fail at
        // once, the other end's once it learns of the close.
        await within(
          Promise.all(got.filter((_, k) => expected[k] !== "waits")),
          `the recvs of ${log.join(", ")} that have a value to get`,
        );
        ends[closing].close();
        log.push(`end ${closing} closes`);
        for (const side of [0, 1] as const) {
          for (const waiter of waiting[side]) {
            expected[waiter] = {
              error: side === closing ? "recv on a closed connection" : "the other end closed the connection",
            };
          }
        }
        const results = await within(Promise.all(got), `the recvs of ${log.join(", ")}`);
        for (const [k, result] of results.entries()) {
          expect(
            result,
            `after ${log.join(", ")}: recv #${k} should have given ${show(expected[k] as Outcome<number>)}`,
          ).toEqual(expected[k]);
        }
        // What was sent to the open end before the close is still there, then the close is reported.
        const open = closing === 0 ? 1 : 0;
        for (const value of inbox[open]) {
          expect(
            await within(outcome(ends[open].recv()), "a recv after the close"),
            `after ${log.join(", ")}: end ${open} should still receive ${value}, sent before the close`,
          ).toEqual({ value });
        }
        expect(
          await within(outcome(ends[open].recv()), "a recv after the close"),
          `after ${log.join(", ")}: once end ${open} has received everything, recv should report the close`,
        ).toEqual({ error: "the other end closed the connection" });
      }),
      {
        numRuns: 150,
        examples: [
          [[], 0],
          [[{ kind: "send", end: 0 }], 0],
        ],
      },
    );
  });

  it("a recv that times out rejects with a stated message, takes nothing, and the next value goes to the next recv", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 3 }),
        fc.array(fc.integer(), { maxLength: 5 }),
        async (timeouts, values) => {
          const [a, b] = newPipe<number>();
          const started = performance.now();
          const gaveUp = await within(
            Promise.all(
              timeouts.map((t) =>
                outcome(b.recv(t)).then((o) => ({ o, after: performance.now() - started })),
              ),
            ),
            `recv with timeouts ${timeouts.join(", ")} on an idle end`,
          );
          for (const [k, { o, after }] of gaveUp.entries()) {
            expect(o, `recv(${timeouts[k]}) on an end nothing was sent to`).toEqual({
              error: `recv timed out after ${timeouts[k]} ms`,
            });
            expect(
              after,
              `recv(${timeouts[k]}) gave up after ${after.toFixed(1)} ms, before its time`,
            ).toBeGreaterThanOrEqual(timeouts[k]! - 1);
          }
          for (const v of values) a.send(v);
          const received: Outcome<number>[] = [];
          for (const _ of values)
            received.push(await within(outcome(b.recv(0)), "recv(0) after the timeouts"));
          expect(
            received,
            `after recv timed out ${timeouts.length} time(s), end b should receive ${JSON.stringify(values)}: a recv that gave up must not swallow a value`,
          ).toEqual(values.map((value) => ({ value })));
        },
      ),
      {
        numRuns: 25,
        examples: [
          [[1], []],
          [[3, 1], [0]],
        ],
      },
    );
  });

  it("a waiting recv listens instead of polling, and a recv served in time clears its timer", async () => {
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const [a, b] = newPipe<number>();
    // A recv with nothing to receive for 200 ms: a listener makes no timers meanwhile; a poll makes one a look.
    const waiting = outcome(b.recv());
    const idle = watchTimers();
    await sleep(200);
    idle.stop();
    a.send(1);
    expect(await within(waiting, "recv() once a value was sent"), "the value sent while recv waited").toEqual(
      {
        value: 1,
      },
    );
    expect(
      idle.created(),
      "a recv that looks for a value again and again spins: listen to the port's 'message' while a recv waits (the count is of the timers and immediates made while one recv waited 200 ms)",
    ).toBeLessThanOrEqual(5);

    // A recv(60000) served at once: its 60 s timer must go with it, or it keeps the thread alive for a minute.
    const timed = watchTimers();
    const served = b.recv(60_000);
    a.send(2);
    const value = await served;
    const left = timed.live();
    expect(value, "the value sent while recv(60000) waited").toBe(2);
    await sleep(20);
    const stillRunning = timed.stillLive(left).length;
    timed.stop();
    expect(
      stillRunning,
      "recv(60000) was served, but its timer is still running: clear it when the value arrives, or it keeps the thread alive",
    ).toBe(0);
  });

  it("after close, recv rejects and send throws on that end; closing twice is harmless", async () => {
    const [a, b] = newPipe<string>();
    const waiting = outcome(a.recv());
    a.close();
    a.close();
    expect(
      await within(waiting, "a recv waiting at the close"),
      "a recv waiting when its end closes",
    ).toEqual({
      error: "recv on a closed connection",
    });
    expect(await outcome(a.recv()), "recv on a closed end").toEqual({ error: "recv on a closed connection" });
    expect(await outcome(a.recv(0)), "recv(0) on a closed end").toEqual({
      error: "recv on a closed connection",
    });
    expect(() => a.send("late"), "send on a closed end should throw").toThrow("send on a closed connection");
    expect(
      await within(outcome(b.recv(2_000)), "recv on the other end"),
      "the other end, with nothing left to receive, should learn of the close",
    ).toEqual({ error: "the other end closed the connection" });
  });

  it("connect opens an end transferred to a worker: values come back in order, and the worker ends when the pipe closes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer(), { maxLength: 30 }), async (values) => {
        const { port1, port2 } = new MessageChannel();
        const here = opened(connect<number>(port1));
        const echo = new Job("the echo worker", { job: "echo" }, port2);
        for (const v of values) here.send(v);
        const back: number[] = [];
        for (const [k] of values.entries()) {
          back.push(await within(here.recv(), `the echo of value ${k} (${values[k]})`));
        }
        expect(back, "the worker echoes each value; they should come back in the order sent").toEqual(values);
        expect(await echo.report(0, "opened its end of the pipe"), "the echo worker's first report").toEqual({
          ready: [],
        });
        here.close();
        expect(
          await echo.report(1, "reported the end of the pipe"),
          "what the echo worker's recv said once this end closed",
        ).toEqual({
          ended: "the other end closed the connection",
          echoed: values.length,
        });
        await echo.ended("after its recv learned that the pipe closed");
      }),
      { numRuns: 2, endOnFailure: true, examples: [[[]], [[0]]] },
    );
  });

  it("in a worker, a recv that timed out leaves nothing behind: the next values arrive, and the worker can end without closing", async () => {
    const { port1, port2 } = new MessageChannel();
    const here = opened(connect<number>(port1));
    const reader = new Job("the reading worker", { job: "receive", timeoutMs: 5, count: 3 }, port2);
    expect(
      await reader.report(0, "tried recv(0) and recv(5)"),
      "recv(0) and recv(5) in a worker, before anything was sent",
    ).toEqual({
      ready: ["recv timed out after 0 ms", "recv timed out after 5 ms"],
    });
    // The values are on the worker's port before "go" arrives: its recvs find them without waiting, so
    // only a listener left behind by the timed-out recv could keep the worker from ending.
    for (const v of [10, 0, 12]) here.send(v);
    reader.go();
    expect(
      await reader.report(1, "received 3 values"),
      "what the worker received after its timeouts",
    ).toEqual({
      received: [10, 0, 12],
    });
    await reader.ended("after its last recv, with its end of the pipe still open");
  });
});

describe("createWorkQueue", () => {
  // A put puts the number of puts before it (0, 1, 2 …), so every item is unique and says when it was put.
  type Op = { readonly kind: "put" } | { readonly kind: "get"; readonly timeoutMs: number | undefined };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant("put" as const) }),
    fc.record({ kind: fc.constant("get" as const), timeoutMs: fc.constantFrom(undefined, 0, 60_000) }),
  );

  it("hands out items first in, first out, each to exactly one get, in the order the gets came", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 30 }), async (ops) => {
        const queue = newQueue<number>();
        const items: number[] = [];
        const waiting: number[] = [];
        const expected: (Outcome<number> | "waits")[] = [];
        const got: Promise<Outcome<number>>[] = [];
        const log: string[] = [];
        let puts = 0;
        for (const o of ops) {
          if (o.kind === "put") {
            const item = puts++;
            void queue.put(item);
            log.push(`put(${item})`);
            const waiter = waiting.shift();
            if (waiter === undefined) items.push(item);
            else expected[waiter] = { value: item };
          } else {
            got.push(outcome(queue.get(o.timeoutMs)));
            log.push(`get #${got.length - 1} (timeout ${o.timeoutMs})`);
            const item = items.shift();
            if (item !== undefined) expected.push({ value: item });
            else if (o.timeoutMs === 0) expected.push({ error: "get timed out after 0 ms" });
            else {
              waiting.push(expected.length);
              expected.push("waits");
            }
          }
          expect(queue.size, `after ${log.join(", ")}: size (items no get has taken)`).toBe(items.length);
          expect(queue.waiting, `after ${log.join(", ")}: waiting (gets still waiting)`).toBe(waiting.length);
        }
        queue.close();
        for (const waiter of waiting) expected[waiter] = { error: "the queue is closed" };
        const results = await within(Promise.all(got), `the gets of ${log.join(", ")}`);
        const seen = new Map<number, number>();
        for (const [k, result] of results.entries()) {
          if ("value" in result && seen.has(result.value)) {
            throw new Error(
              `after ${log.join(", ")}: get #${seen.get(result.value)} and get #${k} both received item ${result.value}`,
            );
          }
          if ("value" in result) seen.set(result.value, k);
          expect(
            result,
            `after ${log.join(", ")}: get #${k} should have given ${show(expected[k] as Outcome<number>)}`,
          ).toEqual(expected[k]);
        }
        expect(await outcome(queue.put(1)), "put on a closed queue").toEqual({
          error: "the queue is closed",
        });
        expect(await outcome(queue.get(0)), "get on a closed queue").toEqual({
          error: "the queue is closed",
        });
      }),
      { numRuns: 200, examples: [[[]], [[{ kind: "put" }, { kind: "get", timeoutMs: 0 }]]] },
    );
  });

  it("a get that times out rejects with a stated message and takes nothing, here and through a shared port", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 3 }),
        fc.array(fc.integer({ min: 0, max: 99 }), { maxLength: 4 }),
        fc.boolean(),
        async (timeouts, items, remote) => {
          const owner = newQueue<number>();
          const queue: WorkQueue<number> = remote ? opened(openQueue<number>(owner.share())) : owner;
          const where = remote ? "through a shared port" : "on the owner's queue";
          const started = performance.now();
          const gaveUp = await within(
            Promise.all(
              timeouts.map((t) =>
                outcome(queue.get(t)).then((o) => ({ o, after: performance.now() - started })),
              ),
            ),
            `get with timeouts ${timeouts.join(", ")} on an empty queue ${where}`,
          );
          for (const [k, { o, after }] of gaveUp.entries()) {
            expect(o, `get(${timeouts[k]}) on an empty queue ${where}`).toEqual({
              error: `get timed out after ${timeouts[k]} ms`,
            });
            expect(
              after,
              `get(${timeouts[k]}) ${where} gave up after ${after.toFixed(1)} ms, before its time`,
            ).toBeGreaterThanOrEqual(timeouts[k]! - 1);
          }
          expect(owner.waiting, `after every get timed out ${where}, no get should still be waiting`).toBe(0);
          for (const item of items) await within(queue.put(item), `put(${item}) ${where}`);
          const taken: Outcome<number>[] = [];
          for (const _ of items) taken.push(await within(outcome(queue.get(0)), `get(0) ${where}`));
          expect(
            taken,
            `after ${timeouts.length} get(s) timed out ${where}, the items put next should all be got, in order: a get that gave up must not take one`,
          ).toEqual(items.map((value) => ({ value })));
        },
      ),
      {
        numRuns: 30,
        examples: [
          [[1], [], false],
          [[2, 1], [0, 5], true],
        ],
      },
    );
  });

  it("serves other threads' views through shared ports: a put resolves once the owner holds the item, gets are served in order", async () => {
    const owner = newQueue<string>();
    const [first, second] = [
      opened(openQueue<string>(owner.share())),
      opened(openQueue<string>(owner.share())),
    ];
    await within(first.put("a"), "put through a shared port");
    expect(owner.size, "once put() through a port has resolved, the owner holds the item").toBe(1);
    await within(second.put("b"), "put through another port");
    expect(
      await within(first.get(0), "get(0) through a port with items queued"),
      "get(0) when items wait takes the first",
    ).toBe("a");
    expect(await within(owner.get(0), "the owner's own get(0)"), "the owner's get takes the next one").toBe(
      "b",
    );
    expect(await outcome(second.get(0)), "get(0) through a port when the queue is empty").toEqual({
      error: "get timed out after 0 ms",
    });
    // Gets from several views wait in the order the owner received them.
    const order = [second, first, second];
    const gets: Promise<string>[] = [];
    for (const [k, view] of order.entries()) {
      gets.push(view.get());
      await eventually(() => owner.waiting === k + 1, `the owner never counted get #${k} as waiting`);
    }
    for (const item of ["x", "y", "z"]) await owner.put(item);
    expect(
      await within(Promise.all(gets), "three waiting gets"),
      "waiting gets receive the items in the order they came",
    ).toEqual(["x", "y", "z"]);
    expect([owner.size, owner.waiting], "[size, waiting] once every item was taken").toEqual([0, 0]);
    // Items travel by structured clone between a view and the owner.
    const objects = newQueue<unknown>();
    const view = opened(openQueue<unknown>(objects.share()));
    const item = { map: new Map([["k", [-0, Number.NaN]]]), when: new Date(0), nothing: undefined, big: 1n };
    await within(view.put(item), "put of an object through a shared port");
    const taken = await within(objects.get(0), "the owner's get(0) of that object");
    expect(
      taken,
      "items travel by structured clone: a Map, a Date, undefined, -0, NaN and a BigInt arrive as they were put",
    ).toEqual(item);
    expect(taken, "items travel by structured clone: the owner holds a copy").not.toBe(item);
  });

  it("drops the waiting gets of a view that closes, and closing the owner ends every view", async () => {
    const owner = newQueue<number>();
    const leaving = opened(openQueue<number>(owner.share()));
    const staying = opened(openQueue<number>(owner.share()));
    const lost = outcome(leaving.get());
    await eventually(() => owner.waiting === 1, "the owner never counted the get as waiting");
    leaving.close();
    leaving.close();
    expect(
      await within(lost, "a get waiting when its view closes"),
      "a get waiting when its view closes",
    ).toEqual({
      error: "the queue is closed",
    });
    expect(await outcome(leaving.put(1)), "put through a closed view").toEqual({
      error: "the queue is closed",
    });
    await eventually(() => owner.waiting === 0, "the owner kept waiting for the get of a view that closed");
    await owner.put(7);
    expect(
      await within(staying.get(0), "get(0) through an open view"),
      "the item must not go to the closed view's get",
    ).toBe(7);
    const pending = outcome(staying.get());
    await eventually(() => owner.waiting === 1, "the owner never counted the get as waiting");
    owner.close();
    expect(
      await within(pending, "a view's get when the owner closes"),
      "a view's waiting get when the owner closes",
    ).toEqual({
      error: "the queue is closed",
    });
    expect(await outcome(staying.put(2)), "put through a view of a closed queue").toEqual({
      error: "the queue is closed",
    });
  });

  it("drops the waiting gets of a worker that ended, so no item is handed to a thread that is gone", async () => {
    const owner = newQueue<number | null>();
    const gone = new Job("the consumer that is ended", { job: "consume" }, owner.share());
    await eventually(() => owner.waiting === 1, "the owner never counted the worker's get as waiting");
    await gone.stop();
    await eventually(
      () => owner.waiting === 0,
      "the owner kept the get of a worker that ended waiting: drop the gets of a port that closes",
    );
    await within(owner.put(7), "put(7) on the owner's queue");
    expect(
      await within(owner.get(0), "the owner's get(0)"),
      "the item must stay in the queue, not go to the get of a worker that ended",
    ).toBe(7);
  });
});

describe("poison pills", () => {
  it("stopConsumers puts one pill per consumer, behind what is already queued", async () => {
    const queue = newQueue<number | null>();
    await queue.put(1);
    await queue.put(2);
    await within(stopConsumers(queue, 3), "stopConsumers(queue, 3)");
    expect(queue.size, "two items, then one pill for each of 3 consumers").toBe(5);
    const all: (number | null)[] = [];
    for (let i = 0; i < 5; i++) all.push(await queue.get(0));
    expect(all, "what the queue hands out after stopConsumers(queue, 3)").toEqual([1, 2, null, null, null]);
    await within(stopConsumers(queue, 0), "stopConsumers(queue, 0)");
    expect(queue.size, "stopConsumers(queue, 0) puts nothing").toBe(0);
    await within(stopConsumers(queue, -0), "stopConsumers(queue, -0)");
    expect(queue.size, "stopConsumers(queue, -0) puts nothing: -0 is the whole number 0").toBe(0);
    // Through another thread's view: it resolves only once every pill is in the owner's hands.
    const view = opened(openQueue<number | null>(queue.share()));
    await within(view.put(3), "put(3) through a shared port");
    await within(stopConsumers(view, 2), "stopConsumers(view, 2) through a shared port");
    expect(
      queue.size,
      "once stopConsumers(view, 2) through a shared port has resolved, the owner holds the item and both pills",
    ).toBe(3);
    for (let i = 0; i < 3; i++) await queue.get(0);
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(
        stopConsumers(queue, bad),
        `stopConsumers(queue, ${bad}) should reject with a RangeError`,
      ).rejects.toThrow(RangeError);
    }
  });

  it("consume handles every item until its pill, one at a time, and 0, '' and false are work like any other", async () => {
    const queue = newQueue<number | string | boolean | null>();
    await queue.put(null);
    expect(
      await within(
        consume(queue, () => {}),
        "consume of a queue holding only a pill",
      ),
      "consume with nothing but its pill to get",
    ).toBe(0);
    for (const item of [0, "", false, 5, null, 7]) await queue.put(item);
    const handled: unknown[] = [];
    let busy = 0;
    let mostAtOnce = 0;
    const count = await within(
      consume(queue, async (item) => {
        busy++;
        mostAtOnce = Math.max(mostAtOnce, busy);
        await new Promise((resolve) => setTimeout(resolve, 1));
        handled.push(item);
        busy--;
      }),
      "consume of 0, '', false, 5, then a pill",
    );
    expect(handled, "consume should hand every item before the pill to handle, in order").toEqual([
      0,
      "",
      false,
      5,
    ]);
    expect(count, "consume resolves with the number of items handled").toBe(4);
    expect(mostAtOnce, "consume awaits each handle before getting the next item").toBe(1);
    expect([queue.size, await queue.get(0)], "consume takes its one pill and nothing after it").toEqual([
      1, 7,
    ]);
  });

  /** Producer p's k-th item: p * 1000 + k, so every item says who put it and in which order (producer 0's first is 0). */
  const tagged = (producer: number, k: number) => producer * 1000 + k;
  const shape = fc.record({
    items: fc.array(fc.integer({ min: 0, max: 25 }), { minLength: 1, maxLength: 3 }),
    consumers: fc.integer({ min: 1, max: 3 }),
  });

  it("P producer and C consumer workers: each item consumed once, each producer's order kept, every consumer stops on its own pill and ends", async () => {
    await fc.assert(
      fc.asyncProperty(shape, async ({ items, consumers }) => {
        const owner = newQueue<number | null>();
        const put = items.map((count, p) => Array.from({ length: count }, (_, k) => tagged(p, k)));
        const setup = `${put.length} producer(s) putting ${items.join(" + ")} items, ${consumers} consumer(s)`;
        const eaters = Array.from(
          { length: consumers },
          (_, c) => new Job(`consumer ${c}`, { job: "consume" }, owner.share()),
        );
        const makers = put.map(
          (list, p) => new Job(`producer ${p}`, { job: "produce", items: list }, owner.share()),
        );
        for (const [p, maker] of makers.entries()) {
          expect(await maker.report(0, "finished putting"), `${setup}: producer ${p}'s report`).toEqual({
            produced: put[p]!.length,
          });
          await maker.ended("after its last put");
        }
        // Every item is in the owner's hands now: the pills go in behind them.
        await within(stopConsumers(owner, consumers), `${setup}: stopConsumers`);
        const received: number[][] = [];
        for (const [c, eater] of eaters.entries()) {
          const report = (await eater.report(0, "stopped (did it get its pill?)")) as {
            received: number[];
            handled: number;
          };
          expect(
            report.handled,
            `${setup}: consumer ${c}'s consume() should count the items it handled`,
          ).toBe(report.received.length);
          received.push(report.received);
        }
        for (const [c, eater] of eaters.entries()) await eater.ended(`after its pill (consumer ${c})`);
        const receivedBy = new Map<number, number>();
        for (const [c, list] of received.entries()) {
          for (const item of list) {
            const before = receivedBy.get(item);
            if (before === c) throw new Error(`${setup}: consumer ${c} received item ${item} twice`);
            if (before !== undefined)
              throw new Error(`${setup}: item ${item} was received by consumer ${before} and consumer ${c}`);
            receivedBy.set(item, c);
          }
          for (let p = 0; p < put.length; p++) {
            const mine = list.filter((item) => Math.floor(item / 1000) === p);
            const slip = mine.findIndex((item, k) => k > 0 && item < mine[k - 1]!);
            if (slip > 0) {
              throw new Error(
                `${setup}: consumer ${c} received producer ${p}'s item ${mine[slip]} after its item ${mine[slip - 1]}`,
              );
            }
          }
        }
        for (const item of put.flat()) {
          if (!receivedBy.has(item))
            throw new Error(
              `${setup}: item ${item} (producer ${Math.floor(item / 1000)}) was never received`,
            );
        }
        expect(receivedBy.size, `${setup}: items received`).toBe(put.flat().length);
        expect(
          owner.size,
          `${setup}: once every consumer stopped, nothing (no pill) should be left in the queue`,
        ).toBe(0);
      }),
      {
        numRuns: 2,
        // Each failing run waits out a deadline: report the first counterexample instead of shrinking it.
        endOnFailure: true,
        examples: [
          [{ items: [0], consumers: 2 }],
          [{ items: [1], consumers: 1 }],
          [{ items: [20, 20, 20], consumers: 3 }],
        ],
      },
    );
  });
});
