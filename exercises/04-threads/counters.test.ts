import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectFinished, expectOnSchedule, interleave, ThreadPool } from "../../grader/harness/interleave.ts";
import { learnerModule } from "../../grader/harness/learner.ts";
import { scheduleChoices } from "../../grader/harness/schedules.ts";
import { disguise, sequentialAtomics } from "../../grader/harness/sequential-atomics.ts";
import { stress } from "../../grader/harness/stress.ts";
import { countTo, raiseTo, takeTicket } from "./counters.ts";

const bodies = new URL("./counters.bodies.ts", import.meta.url);
const data = { learner: learnerModule("exercises/04-threads/counters.ts") };
const startPool = (size: number) => ThreadPool.start(bodies, size, data);
const schedule = scheduleChoices({ maxLength: 60 });
const CELLS = 4;
const int32 = fc.integer({ min: -1_000_000, max: 1_000_000 });

/** Shared cells with `start` at `index` and different values elsewhere (to catch writes to the wrong cell). */
function cellsWith(index: number, start: number) {
  const buffer = new SharedArrayBuffer(CELLS * 4);
  const cells = new Int32Array(buffer);
  for (let k = 0; k < CELLS; k++) cells[k] = k === index ? start : 1000 + k;
  return { buffer, cells, others: () => [...cells].filter((_, k) => k !== index) };
}

/** Cells as cellsWith, with the one at `index` kept as a disguised sequentialAtomics stores it. */
function disguisedCellsWith(index: number, start: number) {
  const made = cellsWith(index, disguise(start));
  return { ...made, value: () => disguise(made.cells[index]!) };
}
const THROUGH =
  "read through atomics (the test's AtomicsLike keeps the value negated in memory, so a plain cells[i] read or write goes wrong)";
const othersOf = (index: number) => [...Array(CELLS).keys()].filter((k) => k !== index).map((k) => 1000 + k);

describe("countTo", () => {
  it("adds exactly `times` from one thread, nothing for 0, and only through atomics", () => {
    fc.assert(
      fc.property(fc.nat({ max: CELLS - 1 }), int32, fc.nat({ max: 20 }), (index, start, times) => {
        const { cells, others, value } = disguisedCellsWith(index, start);
        const atomics = sequentialAtomics({ disguised: true });
        countTo(cells, index, times, atomics);
        expect(
          atomics.operations,
          `countTo(cells, ${index}, ${times}) made ${atomics.operations} atomics operations for ${times} increments: reach the shared cell through \`atomics\`, never with cells[i]++`,
        ).toBeGreaterThanOrEqual(times);
        expect(value(), `countTo(cells, ${index}, ${times}) starting from ${start}, ${THROUGH}`).toBe(
          start + times,
        );
        expect(others(), `countTo(cells, ${index}, …) changed other cells`).toEqual(othersOf(index));
      }),
      // Counting 0 times, and counting in the last cell, come up at every seed.
      {
        examples: [
          [0, 7, 0],
          [CELLS - 1, -3, 5],
        ],
      },
    );
  });

  it("loses no increment when threads count at once, under every schedule tried", async () => {
    await using pool = await startPool(3);
    const counts = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 3 });
    await fc.assert(
      fc.asyncProperty(counts, schedule, async (times, choices) => {
        const { buffer, cells } = cellsWith(0, 0);
        const run = await interleave(pool, {
          shared: { cells: buffer },
          threads: times.map((t) => ({ body: "count", args: { index: 0, times: t } })),
          choices,
        });
        expectFinished(run, `${times.length} threads calling countTo`);
        for (const [k, t] of times.entries()) {
          expectOnSchedule(
            run.operations[k]! >= t,
            `thread ${k} counted ${t} times with only ${run.operations[k]} atomics operations: reach the shared cell through \`atomics\``,
            run,
          );
        }
        const total = times.reduce((a, b) => a + b, 0);
        expectOnSchedule(
          cells[0] === total,
          `${times.length} threads counted ${times.join(" + ")} = ${total} times, but the counter says ${cells[0]}: ${total - cells[0]!} increments were lost`,
          run,
        );
      }),
      { numRuns: 50 },
    );
  });

  it("loses no increment on real threads counting at once", async () => {
    await using pool = await startPool(4);
    const { buffer, cells } = cellsWith(0, 0);
    const times = 100_000;
    const result = await stress(pool, {
      shared: { cells: buffer },
      threads: Array.from({ length: 4 }, () => ({ body: "count", args: { index: 0, times } })),
    });
    expect(result.verdict, result.reason).toBe("finished");
    expect(
      cells[0],
      `4 threads × countTo(…, ${times}) at once: ${4 * times - cells[0]!} increments lost`,
    ).toBe(4 * times);
  });
});

describe("takeTicket", () => {
  it("hands out consecutive tickets from one thread", () => {
    fc.assert(
      fc.property(fc.nat({ max: CELLS - 1 }), int32, fc.nat({ max: 10 }), (index, start, take) => {
        const { cells, others, value } = disguisedCellsWith(index, start);
        const atomics = sequentialAtomics({ disguised: true });
        const got = Array.from({ length: take }, () => takeTicket(cells, index, atomics));
        expect(
          atomics.operations,
          `${take} calls of takeTicket made ${atomics.operations} atomics operations: reach the shared cell through \`atomics\`, never with cells[i]++`,
        ).toBeGreaterThanOrEqual(take);
        expect(got, `${take} tickets from a dispenser at ${start}, ${THROUGH}`).toEqual(
          Array.from({ length: take }, (_, k) => start + k),
        );
        expect(value(), `the dispenser after ${take} tickets from ${start}, ${THROUGH}`).toBe(start + take);
        expect(others(), "takeTicket changed other cells").toEqual(othersOf(index));
      }),
      { examples: [[CELLS - 1, 0, 3]] },
    );
  });

  it("never gives two threads the same ticket, under every schedule tried", async () => {
    await using pool = await startPool(3);
    const takes = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 3 });
    await fc.assert(
      fc.asyncProperty(takes, int32, schedule, async (take, start, choices) => {
        const { buffer, cells } = cellsWith(1, start);
        const run = await interleave(pool, {
          shared: { cells: buffer },
          threads: take.map((t) => ({ body: "tickets", args: { index: 1, take: t } })),
          choices,
        });
        expectFinished(run, `${take.length} threads taking tickets`);
        const all = (run.results as number[][]).flat().sort((a, b) => a - b);
        const total = all.length;
        const expected = Array.from({ length: total }, (_, k) => start + k);
        const twice = all.filter((t, k) => all[k - 1] === t);
        expectOnSchedule(twice.length === 0, `ticket ${twice[0]} was given to two callers`, run);
        expectOnSchedule(
          JSON.stringify(all) === JSON.stringify(expected) && cells[1] === start + total,
          `${total} tickets from a dispenser at ${start} should be ${start}…${start + total - 1} and leave it at ${start + total}; got ${all.join(", ")} and ${cells[1]}`,
          run,
        );
      }),
      { numRuns: 50 },
    );
  });
});

describe("raiseTo", () => {
  it("keeps the highest value and returns what was there before, from one thread", () => {
    fc.assert(
      fc.property(
        fc.nat({ max: CELLS - 1 }),
        int32,
        fc.array(
          fc.oneof({ weight: 9, arbitrary: int32 }, { weight: 1, arbitrary: fc.constant(Number.NaN) }),
          {
            maxLength: 8,
          },
        ),
        (index, start, offers) => {
          const { cells, others, value: held } = disguisedCellsWith(index, start);
          let model = start;
          for (const value of offers) {
            const atomics = sequentialAtomics({ disguised: true });
            const before = raiseTo(cells, index, value, atomics);
            expect(
              atomics.operations,
              `raiseTo(…, ${value}) made no atomics operation: reach the shared cell through \`atomics\`, never through cells[i]`,
            ).toBeGreaterThan(0);
            expect(
              before,
              `raiseTo(…, ${value}) when the cell held ${model} returns what it held, ${THROUGH}`,
            ).toBe(model);
            // NaN is no offer: it is above nothing.
            if (value > model) model = value;
            expect(held(), `after raiseTo(…, ${value}) the cell should hold ${model}, ${THROUGH}`).toBe(
              model,
            );
          }
          expect(others(), "raiseTo changed other cells").toEqual(othersOf(index));
        },
      ),
      // A lower offer, an equal one, a higher one, and the ends of the Int32 range, at every seed.
      {
        examples: [
          [0, 5, [3, 5, 6, 6, -7]],
          [CELLS - 1, -(2 ** 31), [-(2 ** 31), 2 ** 31 - 1, 0, 2 ** 31 - 1]],
          [1, 5, [Number.NaN, 6, Number.NaN]],
        ],
      },
    );
  });

  it("ends at the highest offer when threads raise at once, and never goes down, under every schedule tried", async () => {
    await using pool = await startPool(3);
    const offers = fc.array(fc.array(fc.integer({ min: -5, max: 20 }), { minLength: 1, maxLength: 3 }), {
      minLength: 2,
      maxLength: 3,
    });
    await fc.assert(
      fc.asyncProperty(offers, fc.integer({ min: -5, max: 10 }), schedule, async (plan, start, choices) => {
        const { buffer, cells } = cellsWith(2, start);
        const run = await interleave(pool, {
          shared: { cells: buffer },
          threads: plan.map((p) => ({ body: "raise", args: { index: 2, offers: p } })),
          choices,
        });
        expectFinished(run, `${plan.length} threads calling raiseTo`);
        const highest = Math.max(start, ...plan.flat());
        expectOnSchedule(
          cells[2] === highest,
          `threads offered ${plan.map((p) => p.join(", ")).join(" | ")} to a cell holding ${start}; it should end at ${highest}, but holds ${cells[2]}`,
          run,
        );
        (run.results as number[][]).forEach((seen, k) => {
          const down = seen.findIndex((v, j) => j > 0 && v < seen[j - 1]!);
          expectOnSchedule(
            down < 0,
            `thread ${k} saw the cell go down from ${seen[down - 1]} to ${seen[down]}: raiseTo must never lower it`,
            run,
          );
        });
      }),
      { numRuns: 60 },
    );
  });
});

describe("defaults", () => {
  it("countTo, takeTicket and raiseTo use the global Atomics when given no AtomicsLike", () => {
    const { cells, others } = cellsWith(1, 10);
    countTo(cells, 1, 3);
    expect(cells[1], "countTo(cells, 1, 3) without an AtomicsLike, from 10").toBe(13);
    expect(takeTicket(cells, 1), "takeTicket(cells, 1) without an AtomicsLike, from 13").toBe(13);
    expect(cells[1], "the dispenser after takeTicket(cells, 1)").toBe(14);
    expect(raiseTo(cells, 1, 20), "raiseTo(cells, 1, 20) without an AtomicsLike returns what was there").toBe(
      14,
    );
    expect(raiseTo(cells, 1, 15), "raiseTo(cells, 1, 15) on 20 returns 20").toBe(20);
    expect(cells[1], "raiseTo never lowers the cell").toBe(20);
    expect(others(), "the helpers changed other cells").toEqual(othersOf(1));
  });
});
