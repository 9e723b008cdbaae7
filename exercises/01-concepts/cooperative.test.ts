import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { rejectionOf, resolutionOf } from "../../grader/harness/outcomes.ts";
import { runCooperatively } from "./cooperative.ts";

/**
 * A ticker that counts turns of the event loop: it re-schedules itself with setImmediate, so it
 * advances once per turn, and never while a callback (or a chain of microtasks) keeps the thread busy.
 */
function startTicker() {
  let ticks = 0;
  let handle = setImmediate(function tick() {
    ticks++;
    handle = setImmediate(tick);
  });
  return { now: () => ticks, stop: () => clearImmediate(handle) };
}

/** Work of `steps` steps that records, at each step, how many event-loop turns the ticker has seen. */
function* recordingWork(
  steps: number,
  seen: number[],
  now: () => number,
): Generator<number, string, undefined> {
  for (let i = 0; i < steps; i++) {
    seen.push(now());
    yield i;
  }
  return `done after ${steps} steps`;
}

/** Consecutive steps that saw the same number of turns ran in one slice, without a turn in between. */
function sliceSizes(seen: readonly number[]): number[] {
  const sizes: number[] = [];
  seen.forEach((turns, i) => {
    if (i > 0 && turns === seen[i - 1]) sizes[sizes.length - 1]!++;
    else sizes.push(1);
  });
  return sizes;
}

/** Run work of `steps` steps while the ticker counts turns; how many steps each slice ran. */
async function sliceSizesOf(steps: number, stepsPerSlice: number | undefined): Promise<number[]> {
  const ticker = startTicker();
  const seen: number[] = [];
  try {
    await runCooperatively(recordingWork(steps, seen, ticker.now), { stepsPerSlice });
  } finally {
    ticker.stop();
  }
  return sliceSizes(seen);
}

const slice = fc.option(fc.integer({ min: 1, max: 25 }), { nil: undefined });

/**
 * Tried in every run: the default (undefined) with more than 100 steps, slices of one step, work that
 * ends exactly at the end of a slice, and work of no steps at all.
 */
const sliceExamples: [number, number | undefined][] = [
  [250, undefined],
  [5, 1],
  [1, 1],
  [25, 25],
  [26, 25],
];

describe("runCooperatively", () => {
  it("runs every step in order and resolves with what the work returns", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 300 }), slice, async (steps, stepsPerSlice) => {
        const done: number[] = [];
        function* work() {
          for (let i = 0; i < steps; i++) {
            done.push(i);
            yield;
          }
          return steps * 2;
        }
        expect(
          await resolutionOf(runCooperatively(work(), { stepsPerSlice })),
          "runCooperatively resolves with the value the work returns",
        ).toBe(steps * 2);
        expect(done, "every step ran, once, in order").toEqual(Array.from({ length: steps }, (_, i) => i));
      }),
      { examples: [[0, undefined], [0, 1], ...sliceExamples] },
    );
  });

  it("gives the event loop a turn at least every stepsPerSlice steps", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 400 }), slice, async (steps, stepsPerSlice) => {
        const sizes = await sliceSizesOf(steps, stepsPerSlice);
        const limit = stepsPerSlice ?? 100;
        const longest = Math.max(...sizes);
        expect(
          longest,
          `${longest} steps ran without a turn of the event loop (at most ${limit} allowed)`,
        ).toBeLessThanOrEqual(limit);
      }),
      { examples: sliceExamples },
    );
  });

  it("runs stepsPerSlice steps between turns, not fewer", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 300 }), slice, async (steps, stepsPerSlice) => {
        const sizes = await sliceSizesOf(steps, stepsPerSlice);
        const limit = stepsPerSlice ?? 100;
        expect(
          sizes.slice(0, -1).every((size) => size === limit),
          `slices of ${sizes.join(", ")} steps`,
        ).toBe(true);
      }),
      { examples: sliceExamples },
    );
  });

  it("keeps a timer firing while long work runs", async () => {
    const ticker = startTicker();
    let fired = false;
    let stepsWhenFired = -1;
    let step = 0;
    const timer = setTimeout(() => {
      fired = true;
      stepsWhenFired = step;
    }, 1);
    // Work that runs until the timer has fired, or gives up after far more steps than one millisecond
    // holds on any machine (a step costs at least tens of nanoseconds): the cap, not the clock, ends work
    // that never lets the timer in, so that mistake fails the same way on a fast machine and a loaded one.
    function* work() {
      while (!fired && step < 200_000) {
        step++;
        yield;
      }
      return fired;
    }
    try {
      expect(
        await resolutionOf(runCooperatively(work(), { stepsPerSlice: 50 })),
        "a 1 ms timer fires while the work runs, between its slices",
      ).toBe(true);
    } finally {
      clearTimeout(timer);
      ticker.stop();
    }
    expect(stepsWhenFired).toBeGreaterThan(0);
  });

  it("rejects with the error the work throws, and runs no step after it", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 0, max: 200 }),
        slice,
        async (failAt, extra, stepsPerSlice) => {
          const failure = new Error(`step ${failAt} failed`);
          const done: number[] = [];
          function* work() {
            for (let i = 0; i < failAt + extra + 1; i++) {
              if (i === failAt) throw failure;
              done.push(i);
              yield;
            }
            return "should not get here";
          }
          expect(
            await rejectionOf(runCooperatively(work(), { stepsPerSlice })),
            `the work throws at step ${failAt}, so runCooperatively rejects with that very error`,
          ).toBe(failure);
          expect(done, `no step runs after step ${failAt} threw`).toHaveLength(failAt);
        },
      ),
      // The first step throws; a step throws right after a turn of the event loop; the default slice.
      {
        examples: [
          [0, 0, undefined],
          [0, 3, 1],
          [5, 2, 5],
          [1, 0, 1],
          [150, 10, undefined],
        ],
      },
    );
  });

  it("lets two long works progress side by side", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 20, max: 200 }),
        fc.integer({ min: 1, max: 10 }),
        async (steps, stepsPerSlice) => {
          let progressOfB = 0;
          const bSeenByA: number[] = [];
          function* a() {
            for (let i = 0; i < steps; i++) {
              bSeenByA.push(progressOfB);
              yield;
            }
          }
          function* b() {
            for (let i = 0; i < steps; i++) {
              progressOfB++;
              yield;
            }
          }
          await Promise.all([
            runCooperatively(a(), { stepsPerSlice }),
            runCooperatively(b(), { stepsPerSlice }),
          ]);
          // Had `a` run to the end before `b` started, it would have seen b at 0 (or finished) throughout.
          expect(new Set(bSeenByA).size).toBeGreaterThan(1);
        },
      ),
    );
  });

  it("rejects a stepsPerSlice that is not a positive integer with a RangeError naming it, and never throws", async () => {
    // The values a hand-written check forgets: Infinity passes `Math.trunc(n) === n`, NaN fails every
    // comparison, 0 and fractions sit right at the edges. Each of them is tried in every run.
    const edges = [
      0,
      -1,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      Number.NaN,
      0.5,
      1.5,
      -0.5,
      1e-9,
    ];
    const bad = fc.oneof(fc.constantFrom(...edges), fc.integer({ max: 0 }), fc.double({ noInteger: true }));
    await fc.assert(
      fc.asyncProperty(bad, async (stepsPerSlice) => {
        function* work() {
          yield;
          return 1;
        }
        const result = callWithoutThrowing(() => runCooperatively(work(), { stepsPerSlice }), stepsPerSlice);
        const error = await result.then(
          () => undefined,
          (reason: unknown) => reason,
        );
        expect(error, `stepsPerSlice ${stepsPerSlice} should be rejected with a RangeError`).toBeInstanceOf(
          RangeError,
        );
        expect(
          (error as Error).message,
          `the RangeError's message should name the bad value, ${stepsPerSlice}`,
        ).toContain(String(stepsPerSlice));
      }),
      { examples: edges.map((edge) => [edge]) },
    );
  });
});

/**
 * Call `start` and return its promise; fail if it throws instead. A function that promises to reject must
 * not throw at its caller: `runCooperatively(w, o).catch(handle)` would never reach `handle`.
 */
function callWithoutThrowing<T>(start: () => Promise<T>, stepsPerSlice: number): Promise<T> {
  try {
    return start();
  } catch (error) {
    throw new Error(
      `runCooperatively threw at its caller for stepsPerSlice ${stepsPerSlice} (${String(error)}); it must ` +
        "return a promise and reject that instead (an async function does so by itself)",
    );
  }
}
