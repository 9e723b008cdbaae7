import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import {
  DeadlineError,
  eventually as eventuallyWithin,
  scaledWait,
  withDeadline,
} from "../../grader/harness/deadline.ts";
import { waitForNoDescendants } from "../../grader/harness/descendants.ts";
import { rejectionOf, resolutionOf } from "../../grader/harness/outcomes.ts";
import { liveTracked } from "../../grader/harness/resources.ts";
import { createPool, type Pool, type PoolKind } from "./pool.ts";

const tasks = new URL("./tasks.ts", import.meta.url);

/** Every pool a test creates, terminated after it even when the pool under test misbehaves. */
const pools: Pool[] = [];
function pool(size: number, kind: PoolKind = "thread"): Pool {
  const created = createPool(tasks, { size, kind });
  pools.push(created);
  return created;
}
/** One pool per size for the runs of one property: starting workers is the slow part of these tests. */
function poolsBySize(): (size: number) => Pool {
  const made = new Map<number, Pool>();
  return (size) => {
    let p = made.get(size);
    if (!p) {
      p = pool(size);
      made.set(size, p);
    }
    return p;
  };
}
const folders: string[] = [];
afterEach(async () => {
  await Promise.all(
    pools.splice(0).map((p) => withDeadline(p.terminate(), scaledWait(5_000), "terminate()").catch(() => {})),
  );
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Bounded waits: a pool that hangs fails the test by name, long before the time limit. */
const WAIT_MS = scaledWait(5_000);
const within = <T>(promise: PromiseLike<T>, what: string, ms = WAIT_MS) => withDeadline(promise, ms, what);

const eventually = (condition: () => boolean, what: string, ms = WAIT_MS) =>
  eventuallyWithin(condition, what, ms);

/**
 * Gate tasks (tasks.ts#gate) that the test holds and releases: each writes started-<id> when it starts on a
 * worker, and returns its value once the test calls open(id). Files work across threads and processes.
 */
function gates() {
  const dir = mkdtempSync(path.join(tmpdir(), "pool-gates-"));
  folders.push(dir);
  const started = () => readdirSync(dir).filter((f) => f.startsWith("started-")).length;
  return {
    input: (id: number, value: unknown = id) => ({ dir, id, value }),
    started,
    isStarted: (id: number) => existsSync(path.join(dir, `started-${id}`)),
    open: (id: number) => writeFileSync(path.join(dir, `go-${id}`), ""),
    workerOf: (id: number) => readFileSync(path.join(dir, `started-${id}`), "utf8"),
  };
}

/** The first `n` values an async iterator yields, each within the bounded wait. */
async function take<R>(iterator: AsyncIterator<R>, n: number, what: string): Promise<R[]> {
  const values: R[] = [];
  for (let i = 0; i < n; i++) {
    const step = await within(iterator.next(), `${what}: value ${i + 1}`);
    expect(step.done, `${what} ended after ${i} values`).toBe(false);
    values.push(step.value as R);
  }
  return values;
}

async function collect<R>(iterable: AsyncIterable<R>, what: string): Promise<R[]> {
  const values: R[] = [];
  const run = (async () => {
    for await (const value of iterable) values.push(value);
  })();
  await within(run, what, scaledWait(10_000));
  return values;
}

/** An input of tasks.ts#echo: its value comes back after a delay, so tasks finish in a shuffled order. */
const echoInputs = fc.array(
  fc.record({
    value: fc.oneof(fc.integer(), fc.constantFrom(0, -1, 2 ** 31, "", "é\n")),
    delayMs: fc.constantFrom(0, 0, 1, 4, 9),
  }),
  { maxLength: 14 },
);
const sizes = fc.constantFrom(1, 2, 3);
const chunksizes = fc.constantFrom(undefined, 1, 2, 3, 5, 1000);

describe("createPool", () => {
  it("has the size and kind it was given, by default os.availableParallelism() threads", async () => {
    const p = pool(2, "thread");
    expect(p.size, "pool.size should be the size given").toBe(2);
    expect(p.kind, "pool.kind should be the kind given").toBe("thread");
    const d = createPool(tasks);
    pools.push(d);
    expect(d.size, "without a size, a pool has os.availableParallelism() workers").toBe(
      availableParallelism(),
    );
    expect(d.kind, 'without a kind, a pool is of kind "thread"').toBe("thread");
  });

  it("refuses a size or a chunksize that is not a positive integer", async () => {
    for (const size of [0, -0, -1, 1.5, Number.NaN]) {
      expect(
        () => createPool(tasks, { size }),
        `createPool with size ${size} should throw a RangeError`,
      ).toThrow(RangeError);
    }
    const p = pool(1);
    for (const chunksize of [0, -0, -2, 2.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(
        await rejectionOf(within(p.map("double", [1, 2], { chunksize }), "map with a bad chunksize")),
        `map with chunksize ${chunksize} should reject with a RangeError`,
      ).toBeInstanceOf(RangeError);
      for (const method of ["imap", "imapUnordered"] as const) {
        // Refused at the call, or by the first next(): either way no value comes out.
        let refusal: unknown;
        try {
          const iterator = p[method]("double", [1, 2], { chunksize })[Symbol.asyncIterator]();
          await within(iterator.next(), `${method} with a bad chunksize`);
        } catch (error) {
          refusal = error;
        }
        expect(
          refusal,
          `${method} with chunksize ${chunksize} should be refused with a RangeError`,
        ).toBeInstanceOf(RangeError);
      }
    }
  });

  it("apply resolves with the task's result, for sync and async tasks", async () => {
    const p = pool(2);
    expect(
      await within(p.apply("double", 21), "apply('double', 21)"),
      "apply('double', 21) should be 42",
    ).toBe(42);
    expect(
      await within(p.apply("echo", { value: "late", delayMs: 5 }), "apply of an async task"),
      "apply should await an async task's result",
    ).toBe("late");
  });

  // Room for a pool that starts workers it should not (one per task): that mistake must fail on order or
  // reuse, never on the clock, even on a loaded machine.
  it("map returns every result in input order, whatever order they finish in", {
    timeout: scaledWait(30_000),
  }, async () => {
    const IN_INPUT_ORDER = "map must return the results in input order, not in the order they finish";
    // First in a fixed order: the second task finishes, and the pool takes its result, before the first.
    const p = pool(2);
    const g = gates();
    const held = p.map("gate", [g.input(0, "first"), g.input(1, "second")]);
    held.catch(() => {});
    await eventually(() => g.isStarted(0) && g.isStarted(1), "a pool of 2 should start both tasks at once");
    g.open(1);
    // A third task can start only on the worker that finished, once the pool has its result.
    const third = p.apply("gate", g.input(2, "third"));
    third.catch(() => {});
    await eventually(() => g.isStarted(2), "a queued task should start on the worker that finished");
    g.open(0);
    g.open(2);
    expect(await within(held, "map of two held tasks"), IN_INPUT_ORDER).toEqual(["first", "second"]);
    expect(await within(third, "apply after map"), "apply should resolve with its own task's result").toBe(
      "third",
    );
    // Then in the orders that random delays give, with every size and chunksize.
    const sized = poolsBySize();
    await fc.assert(
      fc.asyncProperty(echoInputs, sizes, chunksizes, async (inputs, size, chunksize) => {
        const q = sized(size);
        const results = await within(q.map("echo", inputs, { chunksize }), `map of ${inputs.length} inputs`);
        expect(results, IN_INPUT_ORDER).toEqual(inputs.map((input) => input.value));
      }),
      { numRuns: 12 },
    );
  });

  it("imap yields the results in input order, each as soon as it and those before it are ready", async () => {
    const p = pool(2);
    const g = gates();
    const iterator = p
      .imap<unknown, unknown>("gate", [g.input(0, "a"), g.input(1, "b"), g.input(2, "c")])
      [Symbol.asyncIterator]();
    await eventually(
      () => g.isStarted(1),
      "imap queues its work when called, before any value is asked for: the second task should start while the first one is held",
    );
    g.open(1);
    g.open(0);
    expect(
      await take(iterator, 2, "imap"),
      "imap should yield the first two results while the third task is still running",
    ).toEqual(["a", "b"]);
    g.open(2);
    expect(await take(iterator, 1, "imap"), "then the third").toEqual(["c"]);
    expect((await within(iterator.next(), "the end of imap")).done, "and then imap is done").toBe(true);
    const sized = poolsBySize();
    await fc.assert(
      fc.asyncProperty(echoInputs, sizes, chunksizes, async (inputs, size, chunksize) => {
        const q = sized(size);
        expect(
          await collect(q.imap("echo", inputs, { chunksize }), "imap"),
          "imap yields in input order",
        ).toEqual(inputs.map((input) => input.value));
      }),
      { numRuns: 6 },
    );
  });

  it("imapUnordered yields each result as soon as it is ready, every one exactly once", async () => {
    const p = pool(2);
    const g = gates();
    const iterator = p
      .imapUnordered<unknown, unknown>("gate", [g.input(0, "held"), g.input(1, "free")])
      [Symbol.asyncIterator]();
    await eventually(
      () => g.isStarted(0) && g.isStarted(1),
      "imapUnordered, like imap, queues its work when called: both tasks should start before any value is asked for",
    );
    g.open(1);
    expect(
      await take(iterator, 1, "imapUnordered"),
      "imapUnordered should yield a finished result while an earlier task is still held",
    ).toEqual(["free"]);
    g.open(0);
    expect(await take(iterator, 1, "imapUnordered"), "then the held one").toEqual(["held"]);
    const sized = poolsBySize();
    await fc.assert(
      fc.asyncProperty(echoInputs, sizes, chunksizes, async (inputs, size, chunksize) => {
        const q = sized(size);
        const values = await collect(q.imapUnordered("echo", inputs, { chunksize }), "imapUnordered");
        const key = (v: unknown) => JSON.stringify(v);
        expect(values.map(key).sort(), "imapUnordered yields every result exactly once").toEqual(
          inputs.map((input) => key(input.value)).sort(),
        );
      }),
      { numRuns: 6 },
    );
  });

  it("never runs more than size tasks at once, and keeps all size workers busy", async () => {
    for (const size of [1, 2, 3]) {
      const p = pool(size);
      const g = gates();
      const n = size + 3;
      const all = p.map(
        "gate",
        Array.from({ length: n }, (_, id) => g.input(id)),
      );
      all.catch(() => {});
      await eventually(() => g.started() >= size, `a pool of ${size} should start ${size} tasks at once`);
      // Give a wrong pool the chance to start more.
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(g.started(), `a pool of ${size} ran more than ${size} tasks at once`).toBe(size);
      for (let id = 0; id < size; id++) {
        expect(
          g.isStarted(id),
          `a pool of ${size} should start the first ${size} inputs first, one on each worker (first in, first out, chunksize 1 by default)`,
        ).toBe(true);
      }
      for (let id = 0; id < n; id++) {
        await eventually(() => g.isStarted(id), `task ${id} should start once a worker is free`);
        g.open(id);
        const running = g.started() - id - 1; // started and not yet released
        expect(running, `a pool of ${size} ran more than ${size} tasks at once`).toBeLessThanOrEqual(size);
      }
      expect(await within(all, "map of gate tasks"), "map of gate tasks").toEqual(
        Array.from({ length: n }, (_, i) => i),
      );
      await p.terminate();
    }
  });

  // A wrong pool may start a worker per task; shrinking its failure starts many: give it time.
  it("reuses its workers: never more distinct workers than size", {
    timeout: scaledWait(30_000),
  }, async () => {
    const sized = poolsBySize();
    await fc.assert(
      fc.asyncProperty(sizes, fc.integer({ min: 1, max: 12 }), async (size, n) => {
        const p = sized(size);
        const results = await within(
          p.map<number, { worker: string }>(
            "whoami",
            Array.from({ length: n }, (_, i) => i),
          ),
          "map of whoami",
        );
        const workers = new Set(results.map((r) => r.worker));
        expect(
          workers.size,
          `${n} tasks on a pool of ${size} ran on ${workers.size} workers`,
        ).toBeLessThanOrEqual(size);
      }),
      { numRuns: 8 },
    );
  });

  it("sends each chunk of chunksize consecutive inputs to one worker", async () => {
    const sized = poolsBySize();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(2, 3, 4, 7), fc.integer({ min: 1, max: 25 }), async (chunksize, n) => {
        const p = sized(2);
        const results = await within(
          p.map<number, { worker: string; input: number }>(
            "whoami",
            Array.from({ length: n }, (_, i) => i),
            { chunksize },
          ),
          "map of whoami",
        );
        for (let i = 0; i < n; i++) {
          const first = results[i - (i % chunksize)]!;
          expect(
            results[i]!.worker,
            `with chunksize ${chunksize}, input ${i} should run on the worker of its chunk's first input`,
          ).toBe(first.worker);
        }
      }),
      { numRuns: 8 },
    );
  });

  it("rejects the call of a task that throws with the task's message, and goes on", async () => {
    const p = pool(2);
    const messages = fc.constantFrom("boom", "", "line 1\nline 2", "ünïcode ✓", "x".repeat(300));
    await fc.assert(
      fc.asyncProperty(messages, fc.boolean(), async (message, async) => {
        const task = async ? "failLater" : "fail";
        const error = await within(p.apply(task, message), `apply('${task}')`).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, `apply('${task}') should reject with an Error`).toBeInstanceOf(Error);
        expect((error as Error).message, "the Error should carry the task's own message").toContain(message);
        const mapped = p.map("double", [1, 2, 3]).then(() => undefined);
        expect(
          await resolutionOf(within(mapped, "map after a failure")),
          "the pool should go on after a failing task",
        ).toBe(undefined);
      }),
      { numRuns: 8 },
    );
    const failing = await within(p.map("fail", ["first"]), "map of a failing task").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((failing as Error | undefined)?.message, "map should reject with the task's message").toContain(
      "first",
    );
  });

  it("rejects the call a dying worker was running, replaces the worker and goes on", async () => {
    for (const kind of ["thread", "process"] as const) {
      const p = pool(1, kind);
      const before = await within(p.apply<number, { worker: string }>("whoami", 0), "whoami");
      for (const [task, input] of [
        ["exit", 3],
        ["crash", "uncaught"],
      ] as const) {
        const failure = await rejectionOf(within(p.apply(task, input), `apply('${task}') on a ${kind} pool`));
        expect(
          failure,
          `apply('${task}') on a ${kind} pool never settled after its worker died: the call a dying worker was running must be rejected`,
        ).not.toBeInstanceOf(DeadlineError);
        expect(
          failure,
          `a ${kind} worker that dies in '${task}' should reject the call it was running`,
        ).toBeInstanceOf(Error);
        const after = await within(
          p.apply<number, { worker: string }>("whoami", 1),
          `apply after a ${kind} worker died in '${task}' (was it replaced?)`,
        );
        expect(after.worker, "the dead worker should be replaced by a new one").not.toBe(before.worker);
        expect(
          await within(p.map("double", [1, 2, 3]), "map after a crash"),
          "the pool should go on after a worker died",
        ).toEqual([2, 4, 6]);
      }
      await p.terminate();
    }
  });

  it("close finishes the queued work, then ends the workers; later calls reject", async () => {
    const p = pool(2);
    const inputs = Array.from({ length: 8 }, (_, i) => ({ value: i, delayMs: 5 }));
    const results = p.map("echo", inputs);
    const streamed = p.imap("echo", inputs);
    const closed = p.close();
    expect(
      await resolutionOf(within(results, "map queued before close")),
      "close should let the queued work finish",
    ).toEqual(inputs.map((i) => i.value));
    await within(closed, "close()");
    expect(
      await resolutionOf(collect(streamed, "imap called before close, iterated after it")),
      "close should finish the work of an imap called before it, even one nobody iterated yet",
    ).toEqual(inputs.map((i) => i.value));
    expect(
      await rejectionOf(within(p.apply("double", 1), "apply after close")),
      "apply after close should reject",
    ).toBeInstanceOf(Error);
    expect(
      await rejectionOf(within(p.map("double", [1]), "map after close")),
      "map after close should reject",
    ).toBeInstanceOf(Error);
    expect(
      await rejectionOf(within(collect(p.imap("double", [1]), "imap after close"), "imap after close")),
      "imap after close should reject",
    ).toBeInstanceOf(Error);
    await eventually(
      () => liveTracked().length === 0,
      `close left workers running: ${liveTracked().join(", ")}`,
      scaledWait(2_000),
    );
  });

  it("terminate ends the workers now and rejects the pending calls", async () => {
    for (const kind of ["thread", "process"] as const) {
      const p = pool(2, kind);
      const g = gates();
      const pending = p.map("gate", [g.input(0), g.input(1), g.input(2)]);
      pending.catch(() => {}); // looked at below
      await eventually(() => g.started() === 2, `a ${kind} pool of 2 should start two gate tasks`);
      await within(p.terminate(), "terminate()");
      expect(
        await rejectionOf(within(pending, "a call pending at terminate")),
        "terminate should reject pending calls",
      ).toBeInstanceOf(Error);
      expect(
        await rejectionOf(within(p.apply("double", 1), "apply after terminate")),
        "apply after terminate should reject",
      ).toBeInstanceOf(Error);
      await eventually(
        () => liveTracked().length === 0,
        `terminate left workers: ${liveTracked().join(", ")}`,
        scaledWait(2_000),
      );
      expect(await waitForNoDescendants(scaledWait(3_000)), `terminate left ${kind} workers running`).toEqual(
        [],
      );
    }
  });

  it("is async-disposable: await using ends its workers", async () => {
    let disposed: Pool | undefined;
    {
      await using p = pool(2, "process");
      disposed = p;
      expect(await within(p.map("double", [1, 2]), "map"), "map on a process pool").toEqual([2, 4]);
    }
    expect(
      await rejectionOf(within(disposed.apply("double", 1), "apply after dispose")),
      "a disposed pool rejects calls",
    ).toBeInstanceOf(Error);
    expect(
      await waitForNoDescendants(scaledWait(3_000)),
      "a disposed pool left child processes running",
    ).toEqual([]);
  });

  it('kind "process" runs the tasks in child processes and leaves none behind after close', async () => {
    const p = pool(2, "process");
    const results = await within(
      p.map<number, { worker: string }>(
        "whoami",
        Array.from({ length: 12 }, (_, i) => i),
      ),
      "map on a process pool",
      scaledWait(10_000),
    );
    const pids = new Set(results.map((r) => r.worker.split(":")[0]));
    expect(pids.has(String(process.pid)), 'a "process" pool must not run tasks in the test process').toBe(
      false,
    );
    expect(pids.size, 'a "process" pool of 2 uses at most 2 processes').toBeLessThanOrEqual(2);
    expect(await within(p.map("fib", [10, 20]), "fib on a process pool"), "fib(10), fib(20)").toEqual([
      55, 6765,
    ]);
    await within(p.close(), "close()");
    expect(await waitForNoDescendants(scaledWait(3_000)), "close left child processes running").toEqual([]);
  });
});
