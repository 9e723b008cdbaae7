import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scaledWait, withDeadline } from "../../grader/harness/deadline.ts";
import { expectFinished, expectOnSchedule, interleave, ThreadPool } from "../../grader/harness/interleave.ts";
import { learnerModule } from "../../grader/harness/learner.ts";
import { scheduleChoices } from "../../grader/harness/schedules.ts";
import { sequentialAtomics } from "../../grader/harness/sequential-atomics.ts";
import { stress } from "../../grader/harness/stress.ts";
import type { Step, WorkerReport } from "./semaphore.bodies.ts";
import { Semaphore } from "./semaphore.ts";

const bodies = new URL("./semaphore.bodies.ts", import.meta.url);
const data = { learner: learnerModule("exercises/04-threads/semaphore.ts") };
const startPool = (size: number) => ThreadPool.start(bodies, size, data);

/** The semaphore's own memory and the test's probe, as the threads see them. */
function sharedFor(semaphore: Semaphore) {
  const { buffer, byteOffset } = semaphore.handle;
  return { shared: { semaphore: buffer, probe: new SharedArrayBuffer(16) }, byteOffset };
}

const permitsWord = (n: number) => `${n} permit${n === 1 ? "" : "s"}`;
/** Choices for the controlled scheduler: which runnable thread moves at each step. */
const schedule = scheduleChoices({ maxLength: 80 });

describe("Semaphore", () => {
  it("create refuses a permit count that is not a non-negative whole number", () => {
    const bad = fc.oneof(
      fc.integer({ max: -1 }),
      fc.double({ noInteger: true }),
      fc.constantFrom(-1, 2 ** 31, Number.MAX_SAFE_INTEGER, Number.NaN, Infinity, -Infinity),
    );
    fc.assert(
      fc.property(bad, (permits) => {
        expect(
          () => Semaphore.create(permits),
          `Semaphore.create(${permits}) should throw a RangeError`,
        ).toThrow(RangeError);
      }),
    );
    for (const permits of [0, -0, 1, 7, 2 ** 31 - 1]) {
      const shown = Object.is(permits, -0) ? "-0" : String(permits);
      // -0 is a whole number of permits too: zero of them (an Int32 holds no -0, so it reads back as 0).
      expect(Semaphore.create(permits).available, `Semaphore.create(${shown}).available`).toBe(permits + 0);
    }
  });

  it("release(n) refuses n that is not a positive whole number, and changes nothing then", () => {
    const bad = fc.oneof(
      fc.integer({ max: 0 }),
      fc.double({ noInteger: true }),
      fc.constantFrom(0, -0, -1, 2 ** 31, Number.NaN, Infinity, -Infinity),
    );
    fc.assert(
      fc.property(bad, fc.nat({ max: 5 }), (n, permits) => {
        const semaphore = Semaphore.create(permits, sequentialAtomics({ disguised: true }));
        expect(() => semaphore.release(n), `release(${n}) should throw a RangeError`).toThrow(RangeError);
        expect(semaphore.available, `after the refused release(${n}), available`).toBe(permits);
      }),
    );
  });

  it("counts permits like a plain number when one thread uses it (tryAcquire, acquire with timeouts, acquireAsync(0), release(n), attach)", async () => {
    type Model = { permits: number };
    type Real = { semaphores: Semaphore[] };
    const sem = (r: Real, which: number) => r.semaphores[which % r.semaphores.length]!;
    const checkCount = (m: Model, r: Real, after: string) =>
      expect(sem(r, 1).available, `after ${after}, available should be ${m.permits}`).toBe(m.permits);
    class TryAcquire implements fc.AsyncCommand<Model, Real> {
      constructor(readonly which: number) {}
      check = () => true;
      async run(m: Model, r: Real) {
        expect(sem(r, this.which).tryAcquire(), `tryAcquire() with ${permitsWord(m.permits)} free`).toBe(
          m.permits > 0,
        );
        if (m.permits > 0) m.permits--;
        checkCount(m, r, "tryAcquire()");
      }
      toString = () => `tryAcquire() on semaphore ${this.which % 2}`;
    }
    class Acquire implements fc.AsyncCommand<Model, Real> {
      constructor(
        readonly which: number,
        readonly timeoutMs: number | undefined,
      ) {}
      // Without a timeout and with no permit, one thread alone would sleep for ever.
      check = (m: Readonly<Model>) => this.timeoutMs !== undefined || m.permits > 0;
      async run(m: Model, r: Real) {
        let got: boolean;
        try {
          got = sem(r, this.which).acquire(this.timeoutMs);
        } catch (error) {
          throw new Error(`${this} with ${permitsWord(m.permits)} free: ${(error as Error).message}`);
        }
        expect(got, `${this} with ${permitsWord(m.permits)} free`).toBe(m.permits > 0);
        if (m.permits > 0) m.permits--;
        checkCount(m, r, `${this}`);
      }
      toString = () => `acquire(${this.timeoutMs ?? ""})`;
    }
    class AcquireAsyncNow implements fc.AsyncCommand<Model, Real> {
      constructor(readonly which: number) {}
      check = () => true;
      async run(m: Model, r: Real) {
        const got = await withDeadline(
          sem(r, this.which).acquireAsync(0),
          scaledWait(1_000),
          `acquireAsync(0) with ${permitsWord(m.permits)} free (a zero timeout must not wait)`,
        );
        expect(got, `acquireAsync(0) with ${permitsWord(m.permits)} free`).toBe(m.permits > 0);
        if (m.permits > 0) m.permits--;
        checkCount(m, r, "acquireAsync(0)");
      }
      toString = () => "acquireAsync(0)";
    }
    class Release implements fc.AsyncCommand<Model, Real> {
      constructor(
        readonly which: number,
        readonly n: number | undefined,
      ) {}
      check = () => true;
      async run(m: Model, r: Real) {
        sem(r, this.which).release(this.n);
        m.permits += this.n ?? 1;
        checkCount(m, r, `${this}`);
      }
      toString = () => `release(${this.n ?? ""})`;
    }
    const which = fc.nat({ max: 1 });
    const commands = fc.commands(
      [
        which.map((w) => new TryAcquire(w)),
        fc
          .tuple(which, fc.constantFrom<number | undefined>(undefined, 0, 1, 2))
          .map(([w, t]) => new Acquire(w, t)),
        which.map((w) => new AcquireAsyncNow(w)),
        fc
          .tuple(which, fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }))
          .map(([w, n]) => new Release(w, n)),
      ],
      { maxCommands: 25 },
    );
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: 3 }), commands, async (permits, cmds) => {
        // It keeps the count negated in memory: only a semaphore that reaches it through atomics is right.
        const atomics = sequentialAtomics({ disguised: true });
        const first = Semaphore.create(permits, atomics);
        // Another semaphore, created alongside: it has memory of its own, so nothing below changes it.
        const other = Semaphore.create(permits + 1, atomics);
        // The second is the same semaphore, attached through a copy of the handle (as a worker gets it).
        const second = Semaphore.attach(structuredClone(first.handle), atomics);
        expect(second.available, "a semaphore attached to the handle of one with permits").toBe(permits);
        await fc.asyncModelRun(() => ({ model: { permits }, real: { semaphores: [first, second] } }), cmds);
        expect(
          other.available,
          `a semaphore created with ${permitsWord(permits + 1)} beside the one used: its own memory should be untouched`,
        ).toBe(permits + 1);
      }),
      { numRuns: 150 },
    );

    // A handle the semaphore did not make: its count is the Int32 at byte 8 of a buffer holding other data.
    const shared = new SharedArrayBuffer(16);
    const words = new Int32Array(shared);
    words.set([7, 0, 3, 9]);
    const placed = Semaphore.attach({ buffer: shared, byteOffset: 8 });
    expect(
      placed.available,
      "attached with byteOffset 8, where the count 3 is: a handle says where the count lives",
    ).toBe(3);
    expect(placed.handle.byteOffset, "the handle of a semaphore attached at byte 8").toBe(8);
    expect(placed.tryAcquire(), "tryAcquire on 3 permits").toBe(true);
    expect(
      [...words],
      "tryAcquire should take one permit at byte 8 and touch nothing else of the buffer",
    ).toEqual([7, 0, 2, 9]);
  });

  it("never lets more threads hold it than it has permits, under every schedule tried", async () => {
    await using pool = await startPool(3);
    const step = fc.constantFrom<Step>("acquire", "acquire", "try", { timed: 1 });
    const plans = fc.array(fc.array(step, { minLength: 1, maxLength: 3 }), { minLength: 2, maxLength: 3 });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 }), plans, schedule, async (permits, plan, choices) => {
        const semaphore = Semaphore.create(permits);
        const { shared, byteOffset } = sharedFor(semaphore);
        const run = await interleave(pool, {
          shared,
          threads: plan.map((p) => ({ body: "worker", args: { byteOffset, plan: p } })),
          choices,
        });
        expectFinished(run, `${plan.length} threads sharing a semaphore with ${permitsWord(permits)}`);
        const reports = run.results as WorkerReport[];
        const most = Math.max(...reports.map((r) => r.mostHolders));
        expectOnSchedule(
          most <= permits,
          `${most} threads held the semaphore at once, but it has ${permitsWord(permits)}`,
          run,
        );
        const got = reports.reduce((sum, r) => sum + r.got, 0);
        const counted = new Int32Array(shared.probe)[1]!;
        expectOnSchedule(
          permits > 1 || counted === got,
          `the holders' counter is ${counted}, but ${got} permits were taken: two holders were inside at once and an update was lost`,
          run,
        );
        const available = semaphore.available;
        expectOnSchedule(
          available === permits,
          `after every thread put back what it took, available is ${available}, but the semaphore started with ${permitsWord(permits)}`,
          run,
        );
      }),
      { numRuns: 60 },
    );
  });

  it("wakes as many sleeping threads as release(n) puts permits back", async () => {
    await using pool = await startPool(4);
    const releases = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 2 });
    await fc.assert(
      fc.asyncProperty(releases, schedule, async (plan, choices) => {
        const total = plan.reduce((a, b) => a + b, 0);
        const takers = Math.min(3, total);
        const semaphore = Semaphore.create(0);
        const { shared, byteOffset } = sharedFor(semaphore);
        const run = await interleave(pool, {
          shared,
          threads: [
            ...Array.from({ length: takers }, (_, k) => ({
              body: "taker",
              args: { byteOffset },
              name: `taker ${k}`,
            })),
            { body: "releaser", args: { byteOffset, releases: plan }, name: "releaser" },
          ],
          choices,
        });
        expectFinished(
          run,
          `${takers === 1 ? "a thread waits" : `${takers} threads wait`} in acquire() on a semaphore with 0 permits, and another calls ${plan.map((n) => `release(${n})`).join(" then ")}`,
        );
        const available = semaphore.available;
        expectOnSchedule(
          available === total - takers,
          `${takers === 1 ? "a thread" : `${takers} threads`} took a permit each after ${total} were released, so ${total - takers} should be left, but available is ${available}`,
          run,
        );
      }),
      { numRuns: 60 },
    );
  });

  it("puts a thread that finds no permit to sleep in wait() instead of spinning", async () => {
    await using pool = await startPool(1);
    const semaphore = Semaphore.create(0);
    const { shared, byteOffset } = sharedFor(semaphore);
    const run = await interleave(pool, {
      shared,
      threads: [{ body: "taker", args: { byteOffset }, name: "taker" }],
      choices: [],
      maxSteps: 500,
    });
    expect(
      run.verdict,
      run.verdict === "finished"
        ? `acquire() on a semaphore with 0 permits returned ${run.results[0]} although nobody released a permit`
        : run.verdict === "livelock"
          ? "acquire() on a semaphore with 0 permits spun through 500 atomics operations without sleeping in wait(): wait while the count is 0"
          : `acquire() on a semaphore with 0 permits should sleep in wait(), but: ${run.reason}`,
    ).toBe("deadlock");
    expect(
      run.operations[0],
      "acquire() with no permit should need only a few operations before it sleeps",
    ).toBeLessThanOrEqual(10);
  });

  it("acquire with a timeout gives up holding nothing, and a release it missed stays available", async () => {
    await using pool = await startPool(2);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(0, 1), fc.boolean(), schedule, async (timeoutMs, release, choices) => {
        const semaphore = Semaphore.create(0);
        const { shared, byteOffset } = sharedFor(semaphore);
        const run = await interleave(pool, {
          shared,
          threads: [
            { body: "taker", args: { byteOffset, timeoutMs }, name: "taker" },
            ...(release ? [{ body: "releaser", args: { byteOffset, releases: [1] }, name: "releaser" }] : []),
          ],
          choices,
        });
        expectFinished(
          run,
          `acquire(${timeoutMs}) on a semaphore with 0 permits${release ? ", while another thread releases one" : " that nobody releases"}`,
        );
        const got = run.results[0] as boolean;
        expectOnSchedule(
          release || got === false,
          `acquire(${timeoutMs}) returned ${got} although no permit was ever free`,
          run,
        );
        const expected = release && !got ? 1 : 0;
        const available = semaphore.available;
        expectOnSchedule(
          available === expected,
          `acquire(${timeoutMs}) returned ${got}${release ? " and one permit was released" : ""}, so available should be ${expected}, but it is ${available}`,
          run,
        );
      }),
      { numRuns: 50 },
    );
  });

  it("holds on real threads running at once: no extra holders, no lost update, no permit lost", async () => {
    await using pool = await startPool(4);
    for (const permits of [1, 2]) {
      const semaphore = Semaphore.create(permits);
      const { shared, byteOffset } = sharedFor(semaphore);
      const rounds = 20_000;
      const result = await stress(pool, {
        shared,
        threads: Array.from({ length: 4 }, () => ({ body: "hammer", args: { byteOffset, rounds } })),
        // Far more than the solution needs (well under a second), and below the test's own limit.
        watchdogMs: scaledWait(4_000),
      });
      expect(
        result.verdict,
        `4 threads × ${rounds} acquire/release on ${permitsWord(permits)}: ${result.reason}`,
      ).toBe("finished");
      const most = Math.max(...(result.results as number[]));
      expect(
        most,
        `${most} threads held the semaphore at once, but it has ${permitsWord(permits)}`,
      ).toBeLessThanOrEqual(permits);
      if (permits === 1) {
        const counted = new Int32Array(shared.probe)[1];
        expect(counted, `the holders' counter lost updates: ${counted} of ${4 * rounds}`).toBe(4 * rounds);
      }
      expect(semaphore.available, `after all released, available should be back to ${permits}`).toBe(permits);
    }
  });

  it("acquireAsync waits without blocking the event loop, and gets the permit a worker releases", async () => {
    await using pool = await startPool(1);
    const semaphore = Semaphore.create(0);
    const { shared, byteOffset } = sharedFor(semaphore);
    const releasing = stress(pool, { shared, threads: [{ body: "releaseWhenTold", args: { byteOffset } }] });
    const patience = scaledWait(2_000);
    const pending = semaphore.acquireAsync(patience);
    expect(pending, "acquireAsync() should return a promise").toBeInstanceOf(Promise);
    // Only now, after acquireAsync returned, does the worker get the word to release.
    const probe = new Int32Array(shared.probe);
    Atomics.store(probe, 2, 1);
    Atomics.notify(probe, 2);
    const got = await pending;
    const released = await releasing;
    expect(released.verdict, released.reason).toBe("finished");
    expect(
      got,
      `acquireAsync(${patience}) gave up although a worker released a permit just after the call returned: it blocked the thread while it waited (wait with Atomics.waitAsync)`,
    ).toBe(true);
    expect(semaphore.available, "after acquireAsync got the released permit, available").toBe(0);
  });

  it("acquireAsync gives up after its timeout holding nothing, and takes a free permit at once", async () => {
    const semaphore = Semaphore.create(0);
    const soon = <T>(promise: Promise<T>, what: string) => withDeadline(promise, scaledWait(1_000), what);
    expect(
      await soon(semaphore.acquireAsync(0), "acquireAsync(0) with 0 permits"),
      "acquireAsync(0) with 0 permits",
    ).toBe(false);
    expect(
      await soon(semaphore.acquireAsync(20), "acquireAsync(20) with 0 permits"),
      "acquireAsync(20) with 0 permits that nobody releases",
    ).toBe(false);
    expect(semaphore.available, "after acquireAsync timed out, available").toBe(0);
    semaphore.release(2);
    expect(await semaphore.acquireAsync(20), "acquireAsync(20) with 2 permits free").toBe(true);
    expect(await semaphore.acquireAsync(), "acquireAsync() with 1 permit free").toBe(true);
    expect(semaphore.available, "after two acquireAsync calls took the 2 permits, available").toBe(0);
  });

  it("acquireAsync keeps its thread alive while it waits (Atomics.waitAsync alone does not)", async () => {
    await using pool = await startPool(1);
    const semaphore = Semaphore.create(0);
    const { shared, byteOffset } = sharedFor(semaphore);
    const result = await stress(pool, {
      shared,
      threads: [{ body: "acquireAsyncAlone", args: { byteOffset, timeoutMs: 100 } }],
      alone: true,
    });
    expect(
      result.verdict,
      `a worker whose only work is await acquireAsync(100): ${result.reason}. Hold a timer while you await waitAsync`,
    ).toBe("finished");
    expect(result.results[0], "acquireAsync(100) with 0 permits that nobody releases").toBe(false);
  });
});
