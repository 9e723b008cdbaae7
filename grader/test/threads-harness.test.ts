import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_MAX_IDLE_READS,
  expectFinished,
  formatSchedule,
  interleave,
  ThreadPool,
} from "../harness/interleave.ts";
import { learnerModule } from "../harness/learner.ts";
import { scheduleChoices } from "../harness/schedules.ts";
import { MAX_SEQUENTIAL_WAIT_MS, sequentialAtomics } from "../harness/sequential-atomics.ts";
import { stress } from "../harness/stress.ts";
import { TARGET_ENV } from "../src/target.ts";

const scenario = new URL("./fixtures/harness/threads-scenario.ts", import.meta.url);
const memory = () => ({ mem: new SharedArrayBuffer(8 * 4) });
const cellsOf = (shared: { mem: SharedArrayBuffer }) => new Int32Array(shared.mem);

describe("interleave", () => {
  let pool: ThreadPool;
  beforeAll(async () => {
    pool = await ThreadPool.start(scenario, 4);
  });
  afterAll(async () => {
    await pool.close();
  });

  const lockRun = (body: string, choices: number[], threads = 2, times = 2) => {
    const shared = memory();
    return interleave(pool, {
      shared,
      threads: Array.from({ length: threads }, () => ({ body, args: times })),
      choices,
    }).then((result) => ({ result, cells: cellsOf(shared) }));
  };

  it("runs a correct lock under every schedule it is given, reusing its workers", async () => {
    const startedBefore = pool.startedWorkers;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat({ max: 5 }), { maxLength: 40 }), async (choices) => {
        runs++;
        const { result, cells } = await lockRun("casLock", choices, 3);
        expectFinished(result, "casLock");
        expect(cells[1], "the protected counter").toBe(6);
        expect(cells[3], "most holders at once").toBe(1);
        expect(result.results).toEqual(["done", "done", "done"]);
      }),
      { numRuns: 60 },
    );
    // Reused workers: 60 runs of 3 threads start no worker at all (180 start-ups would cost ~100 ms each).
    expect(runs).toBe(60);
    expect(pool.startedWorkers - startedBefore, "workers started during the runs").toBe(0);
  });

  it("finds the lost update of check-then-act and shrinks it to a short schedule that replays", async () => {
    const property = fc.asyncProperty(fc.array(fc.nat({ max: 5 }), { maxLength: 40 }), async (choices) => {
      const { result, cells } = await lockRun("checkThenAct", choices);
      expectFinished(result, "checkThenAct");
      if (cells[3]! > 1) throw new Error(`2 threads held the lock at once\n${formatSchedule(result)}`);
    });
    const out = await fc.check(property, { numRuns: 100, seed: 42 });
    expect(out.failed).toBe(true);
    expect(String((out.errorInstance as Error).message)).toMatch(/held the lock at once[\s\S]*schedule/);
    const shrunk = out.counterexample![0] as number[];
    expect(shrunk.length).toBeLessThan(10);
    // The same choices give the same schedule again, step for step.
    const again = await lockRun("checkThenAct", shrunk);
    const twice = await lockRun("checkThenAct", shrunk);
    expect(again.result.trace).toEqual(twice.result.trace);
    expect(again.cells[3]).toBe(2);
    // And fast-check replays the failure from its seed and path.
    const replay = await fc.check(property, {
      seed: out.seed,
      path: out.counterexamplePath!,
      endOnFailure: true,
    });
    expect(replay.failed).toBe(true);
  });

  it("reports a missing notify as a deadlock, with the blocked thread and the numbered schedule", async () => {
    const out = await fc.check(
      fc.asyncProperty(fc.array(fc.nat({ max: 5 }), { maxLength: 40 }), async (choices) => {
        const { result } = await lockRun("noNotify", choices);
        expectFinished(result, "the lock without notify");
      }),
      { numRuns: 100, seed: 7 },
    );
    expect(out.failed).toBe(true);
    const message = (out.errorInstance as Error).message;
    expect(message).toMatch(
      /deadlock: no thread can move, but 1 of 2 is not done: thread \d waits on mem\[0\]/,
    );
    expect(message).toMatch(/schedule \(\d+ steps\):\n\s+1\. thread \d: compareExchange\(mem\[0\], 0, 1\)/);
    expect(message).toMatch(/→ blocked/);
  });

  it("wakes waiters oldest first, one per notify, and notify returns how many it woke", async () => {
    // The waker is thread 0, the waiters 1..3; these choices let waiters arrive in the order 3, 1, 2.
    for (const order of [
      [3, 1, 2],
      [1, 2, 3],
      [2, 3, 1],
    ]) {
      const shared = memory();
      const threads = [
        { body: "wakeOneByOne", args: 3, name: "waker" },
        ...[1, 2, 3].map((id) => ({ body: "waitInLine", args: id, name: `waiter ${id}` })),
      ];
      // Run each waiter's add and wait before anything else, in `order`; then round robin.
      const choices: number[] = [];
      const alive = [0, 1, 2, 3];
      for (const id of order) {
        choices.push(alive.indexOf(id)); // add
        choices.push(alive.indexOf(id)); // wait → blocked
        alive.splice(alive.indexOf(id), 1);
      }
      const result = await interleave(pool, { shared, threads, choices });
      expectFinished(result, "wake in order");
      const woken = (result.results.slice(1) as { id: number; result: string; place: number }[])
        .sort((a, b) => a.place - b.place)
        .map((r) => r.id);
      expect(woken, formatSchedule(result)).toEqual(order);
      expect(result.results[0]).toEqual([1, 1, 1]);
      expect((result.results[1] as { result: string }).result).toBe("ok");
    }
  });

  it("lets the schedule time out a wait with a timeout, which then lasts its timeout, and never sleeps on 0", async () => {
    const shared = memory();
    const timed = await interleave(pool, {
      shared,
      threads: [{ body: "timedWait", args: 5 }],
      choices: [],
    });
    expectFinished(timed, "timed wait");
    const r = timed.results[0] as { result: string; waitedMs: number };
    expect(r.result).toBe("timed-out");
    expect(r.waitedMs).toBeGreaterThanOrEqual(4.5);
    expect(timed.trace.map((s) => s.text)).toEqual([
      "thread 0: wait(mem[0], 0, 5) → blocked (it is 0)",
      'thread 0: its wait on mem[0] times out → "timed-out"',
    ]);
    const zero = await interleave(pool, { shared, threads: [{ body: "timedWait", args: 0 }], choices: [] });
    expect((zero.results[0] as { result: string }).result).toBe("timed-out");
    expect(zero.trace).toHaveLength(1);
    cellsOf(shared)[0] = 9;
    const notEqual = await interleave(pool, {
      shared,
      threads: [{ body: "timedWait", args: 5 }],
      choices: [],
    });
    expect((notEqual.results[0] as { result: string }).result).toBe("not-equal");
  });

  it("reports a thread's error with its message, and ends the other threads' runs", async () => {
    const result = await interleave(pool, {
      shared: memory(),
      threads: [{ body: "casLock", args: 50 }, { body: "throws" }],
      choices: [1, 1],
    });
    expect(result.verdict).toBe("failed");
    expect(result.reason).toBe("thread 1 threw: TODO: not implemented yet");
    expect(() => expectFinished(result, "the semaphore")).toThrow(/the semaphore: thread 1 threw: TODO/);
    // The pool is fine for the next run.
    const next = await lockRun("casLock", []);
    expectFinished(next.result, "after a failure");
  });

  it("ends a thread that reads unchanged cells again and again as spinning, naming it and the cell", async () => {
    const spinning = await interleave(pool, {
      shared: memory(),
      threads: [{ body: "spinsOnAtomics", name: "the spinner" }],
      choices: [],
    });
    expect(spinning.verdict).toBe("spinning");
    expect(spinning.idleReads).toEqual([DEFAULT_MAX_IDLE_READS + 1]);
    expect(spinning.operations).toEqual([DEFAULT_MAX_IDLE_READS + 2]);
    expect(spinning.reason).toMatch(
      /^spinning: the spinner read mem\[0\] again and again \(9 reads in a row of cells nobody had changed/,
    );
    expect(() => expectFinished(spinning, "a busy wait")).toThrow(/a busy wait: spinning/);
    const allowed = await interleave(pool, {
      shared: memory(),
      threads: [{ body: "spinsOnAtomics" }],
      choices: [],
      maxIdleReads: 50,
      maxSteps: 40,
    });
    expect(allowed.verdict).toBe("livelock");
  });

  it("counts only reads of unchanged cells in a row: a read after a change or a wake-up starts afresh", async () => {
    await fc.assert(
      fc.asyncProperty(
        scheduleChoices({ maxChoice: 3, maxLength: 40 }),
        fc.integer({ min: 1, max: 20 }),
        async (choices, changes) => {
          const result = await interleave(pool, {
            shared: memory(),
            threads: [
              { body: "readsEachChange", args: changes },
              { body: "changesAndWakes", args: changes },
            ],
            choices,
            // After each change the reader reads the cell twice more before it decides to wait: idle,
            // but never more than two in a row.
            maxIdleReads: 2,
          });
          expectFinished(result, "a reader that waits for each change");
          expect(result.results[0]).toBe(changes);
          expect(result.idleReads[0]).toBeLessThanOrEqual(2 * changes);
          expect(result.idleReads[1]).toBe(0);
        },
      ),
      { numRuns: 30 },
    );
  });

  it("calls a busy loop that keeps changing memory a livelock, and a loop that never touches it stuck, and recovers", async () => {
    const livelock = await interleave(pool, {
      shared: memory(),
      threads: [{ body: "addsForEver" }],
      choices: [],
      maxSteps: 200,
    });
    expect(livelock.verdict).toBe("livelock");
    expect(livelock.operations[0]).toBe(200);
    const stuck = await interleave(pool, {
      shared: memory(),
      threads: [{ body: "spinsWithoutAtomics" }, { body: "casLock", args: 1 }],
      choices: [0, 0],
      stallMs: 300,
    });
    expect(stuck.verdict).toBe("stuck");
    expect(stuck.reason).toMatch(/thread 0 ran for 300 ms without reaching an atomics operation/);
    const swallowed = await interleave(pool, {
      shared: memory(),
      threads: [{ body: "swallowsTheEnd" }],
      choices: [],
    });
    expect(swallowed.verdict).toBe("deadlock");
    const next = await lockRun("casLock", [], 4);
    expectFinished(next.result, "after replacing the stuck worker");
    expect(next.cells[1]).toBe(8);
  });

  it("refuses memory the test did not share, and reports a worker that exits as crashed", async () => {
    const unshared = await interleave(pool, {
      shared: memory(),
      threads: [{ body: "unsharedMemory" }],
      choices: [],
    });
    expect(unshared.verdict).toBe("failed");
    expect(unshared.reason).toMatch(/not on a SharedArrayBuffer the test shared/);
    const crashed = await interleave(pool, {
      shared: memory(),
      threads: [{ body: "exitsTheWorker" }],
      choices: [],
    });
    expect(["crashed", "failed"]).toContain(crashed.verdict);
    expect(crashed.reason).toMatch(/exited with code 3/);
    const next = await lockRun("casLock", []);
    expectFinished(next.result, "after a crash");
  });

  it("rejects a run with more threads than the pool has", async () => {
    await expect(
      interleave(pool, { shared: memory(), threads: Array(5).fill({ body: "casLock" }), choices: [] }),
    ).rejects.toThrow(/1 to 4 threads/);
  });
});

describe("stress", () => {
  it("releases every thread at once and sees lost updates of plain increments, never of atomic ones", async () => {
    await using pool = await ThreadPool.start(scenario, 4);
    const atomic = memory();
    const good = await stress(pool, {
      shared: atomic,
      threads: Array(4).fill({ body: "atomicIncrements", args: 100_000 }),
    });
    expect(good.verdict).toBe("finished");
    expect(cellsOf(atomic)[1]).toBe(400_000);
    let lost = false;
    for (let attempt = 0; attempt < 10 && !lost; attempt++) {
      const plain = memory();
      const bad = await stress(pool, {
        shared: plain,
        threads: Array(4).fill({ body: "plainIncrements", args: 2_000_000 }),
      });
      expect(bad.verdict).toBe("finished");
      lost = cellsOf(plain)[1]! < 8_000_000;
    }
    expect(lost, "4 threads doing m[1]++ 2 000 000 times each should lose updates").toBe(true);
  });

  it("turns a deadlock into a stale verdict and ends the stuck threads", async () => {
    await using pool = await ThreadPool.start(scenario, 2);
    const shared = memory();
    const result = await stress(pool, {
      shared,
      threads: [
        { body: "waitInLine", args: 1 },
        { body: "waitInLine", args: 2 },
      ],
      watchdogMs: 300,
    });
    expect(result.verdict).toBe("stale");
    expect(result.stale).toEqual([0, 1]);
    expect(result.reason).toMatch(/thread 0, thread 1 had not finished after 300 ms/);
    const after = await stress(pool, { shared: memory(), threads: [{ body: "casLock", args: 10 }] });
    expect(after.verdict).toBe("finished");
  });

  it("lets a body alone keep its thread alive: a bare waitAsync does not, and the run says so", async () => {
    await using pool = await ThreadPool.start(scenario, 1);
    const bare = await stress(pool, {
      shared: memory(),
      threads: [{ body: "awaitsBareWaitAsync" }],
      alone: true,
    });
    expect(bare.verdict).toBe("failed");
    expect(bare.reason).toMatch(
      /exited with code 0 before its body finished \(nothing kept its event loop alive/,
    );
    const held = await stress(pool, {
      shared: memory(),
      threads: [{ body: "awaitsWaitAsyncWithTimer" }],
      alone: true,
    });
    expect(held.verdict).toBe("finished");
    expect(held.results).toEqual(["timed-out"]);
  });

  it("reports a thread's error", async () => {
    await using pool = await ThreadPool.start(scenario, 1);
    const result = await stress(pool, { shared: memory(), threads: [{ body: "throws" }] });
    expect(result.verdict).toBe("failed");
    expect(result.reason).toBe("thread 0 threw: TODO: not implemented yet");
  });
});

describe("sequentialAtomics", () => {
  it("counts operations, answers waits that cannot sleep, and refuses one that would sleep for ever", () => {
    const A = sequentialAtomics();
    const cells = new Int32Array(new SharedArrayBuffer(8));
    A.store(cells, 0, 2);
    expect(A.add(cells, 0, 3)).toBe(2);
    expect(A.compareExchange(cells, 0, 5, 1)).toBe(5);
    expect(A.wait(cells, 0, 7)).toBe("not-equal");
    expect(A.wait(cells, 0, 1, 0)).toBe("timed-out");
    expect(A.wait(cells, 0, 1, 1)).toBe("timed-out");
    expect(() => A.wait(cells, 0, 1)).toThrow(/would put the only thread to sleep for ever/);
    expect(() => A.wait(cells, 0, 1, MAX_SEQUENTIAL_WAIT_MS + 1)).toThrow(/for 51 ms/);
    expect(A.notify(cells, 0, 1)).toBe(0);
    expect(A.waitAsync(cells, 0, 9)).toEqual({ async: false, value: "not-equal" });
    expect(A.operations).toBe(10);
  });

  it("disguised, gives the same answers while memory holds the negation, and ends a loop that never stops", () => {
    const plain = sequentialAtomics();
    const A = sequentialAtomics({ disguised: true, maxOperations: 12 });
    const [p, d] = [new Int32Array(new SharedArrayBuffer(8)), new Int32Array(new SharedArrayBuffer(8))];
    const both = <R>(op: (X: typeof A, cells: Int32Array) => R) => {
      const answer = op(A, d);
      expect(answer).toEqual(op(plain, p));
      return answer;
    };
    both((X, c) => X.store(c, 0, 7));
    both((X, c) => X.add(c, 0, 3));
    both((X, c) => X.sub(c, 0, 1));
    both((X, c) => X.compareExchange(c, 0, 9, -2147483648));
    both((X, c) => X.compareExchange(c, 0, 5, 4));
    both((X, c) => X.load(c, 0));
    both((X, c) => X.wait(c, 0, 3, 0));
    expect([...d], "what a plain read of the cells sees").toEqual([-p[0]! | 0, 0]);
    d[1] = 5;
    expect(A.load(d, 1), "a plain write is read back negated").toBe(-5);
    expect(() => A.wait(d, 0, -2147483648), "the message names the caller's value").toThrow(
      /^wait\(…, -2147483648\) would put the only thread to sleep for ever/,
    );
    expect(A.operations).toBe(9);
    for (let k = 0; k < 3; k++) A.load(d, 0);
    expect(() => A.load(d, 0)).toThrow(
      /more than 12 atomics operations on one thread.*read from the Int32Array/,
    );
  });
});

describe("learnerModule", () => {
  it("compiles the graded target's copy of a learner file, with its exercise's grants", () => {
    const before = process.env[TARGET_ENV];
    try {
      delete process.env[TARGET_ENV];
      const stub = learnerModule("exercises/04-threads/semaphore.ts");
      expect(stub.compiled.file).toMatch(/\/exercises\/04-threads\/semaphore\.ts$/);
      expect(stub.exercise).toBe("04-threads/semaphore");
      process.env[TARGET_ENV] = "solutions";
      const solution = learnerModule("exercises/04-threads/semaphore.ts");
      expect(solution.compiled.file).toMatch(/\/solutions\/04-threads\/semaphore\.ts$/);
      expect(solution.compiled.exports).toContain("Semaphore");
    } finally {
      if (before === undefined) delete process.env[TARGET_ENV];
      else process.env[TARGET_ENV] = before;
    }
  });
});

describe("scheduleChoices", () => {
  it("gives plain choices and bursts of one repeated choice, all within bounds", () => {
    const seen = fc.sample(scheduleChoices({ maxChoice: 3, maxLength: 20 }), { numRuns: 300, seed: 5 });
    expect(seen.every((c) => c.every((x) => Number.isInteger(x) && x >= 0 && x <= 3))).toBe(true);
    const longestRun = (c: number[]) => Math.max(0, ...c.map((x, k) => c.slice(k).findIndex((y) => y !== x)));
    expect(
      seen.some((c) => longestRun(c) >= 5),
      "some schedules let one thread run on",
    ).toBe(true);
  });
});
