import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectFinished, expectOnSchedule, interleave, ThreadPool } from "../../grader/harness/interleave.ts";
import { learnerModule } from "../../grader/harness/learner.ts";
import { scheduleChoices } from "../../grader/harness/schedules.ts";
import { sequentialAtomics } from "../../grader/harness/sequential-atomics.ts";
import { stress } from "../../grader/harness/stress.ts";
import type { Dinner } from "./philosophers.bodies.ts";
import { Table } from "./philosophers.ts";

const bodies = new URL("./philosophers.bodies.ts", import.meta.url);
const data = { learner: learnerModule("exercises/04-threads/philosophers.ts") };
const startPool = (size: number) => ThreadPool.start(bodies, size, data);

function dinner(table: Table, meals: number) {
  const { buffer, byteOffset } = table.handle;
  const shared = { table: buffer, probe: new SharedArrayBuffer(table.seats * 4) };
  const threads = Array.from({ length: table.seats }, (_, seat) => ({
    body: "philosopher",
    args: { byteOffset, seat, meals },
    name: `philosopher ${seat}`,
  }));
  return { shared, threads };
}

describe("Table", () => {
  it("create refuses fewer than 2 seats or a seat count that is not whole; pickUp and putDown refuse a seat not at the table", () => {
    const bad = fc.oneof(
      fc.integer({ max: 1 }),
      fc.double({ noInteger: true }),
      fc.constantFrom(1, 0, -0, -1, 2 ** 16 + 1, Number.NaN, Infinity, -Infinity),
    );
    fc.assert(
      fc.property(bad, (seats) => {
        expect(() => Table.create(seats), `Table.create(${seats}) should throw a RangeError`).toThrow(
          RangeError,
        );
      }),
    );
    // It keeps values negated in memory: only a table that reaches its state through atomics is right.
    const table = Table.create(3, sequentialAtomics({ disguised: true }));
    expect(table.seats, "Table.create(3).seats, read through atomics").toBe(3);
    expect(
      Table.attach(structuredClone(table.handle), sequentialAtomics({ disguised: true })).seats,
      "the seats of an attached table",
    ).toBe(3);
    const plain = Table.create(2 ** 16);
    expect(plain.seats, "Table.create(2 ** 16).seats, with the global Atomics").toBe(2 ** 16);
    expect(
      Table.attach(structuredClone(plain.handle)).seats,
      "the seats of a table attached with the global Atomics",
    ).toBe(2 ** 16);
    for (const seat of [-1, 3, 1.5, Number.NaN]) {
      expect(() => table.pickUp(seat), `pickUp(${seat}) at a table for 3`).toThrow(RangeError);
      expect(() => table.putDown(seat), `putDown(${seat}) at a table for 3`).toThrow(RangeError);
    }
    // A refused call changes nothing: no footman's place or fork is kept, so everyone still eats in turn. At
    // a table for 2 the footman has one place: one kept by a refused call would leave nobody able to eat.
    const pair = Table.create(2, sequentialAtomics({ disguised: true }));
    for (const seat of [2, -1])
      expect(() => pair.pickUp(seat), `pickUp(${seat}) at a table for 2`).toThrow(RangeError);
    expect(() => {
      for (const seat of [0, 1, 0]) {
        pair.pickUp(seat);
        pair.putDown(seat);
      }
    }, "after pickUp(2) and pickUp(-1) were refused at a table for 2, philosophers 0 and 1 should eat in turn: a refused call must keep no footman's place and no fork").not.toThrow();
  });

  it("lets each philosopher in turn eat when nobody else is at the table", () => {
    for (const seats of [2, 3, 5]) {
      // It keeps values negated in memory: only a table that reaches its state through atomics is right.
      const table = Table.create(seats, sequentialAtomics({ disguised: true }));
      for (let round = 0; round < 2; round++) {
        for (let seat = 0; seat < seats; seat++) {
          try {
            table.pickUp(seat);
            table.putDown(seat);
          } catch (error) {
            throw new Error(
              `at a table for ${seats}, philosopher ${seat} eating alone (round ${round}): ${(error as Error).message}\n(the test's AtomicsLike keeps values negated in memory: a value read or written without atomics is wrong here)`,
            );
          }
        }
      }
    }
  });

  it("never deadlocks and never lets neighbours eat at once, under every schedule tried", async () => {
    await using pool = await startPool(3);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 3 }),
        fc.integer({ min: 1, max: 2 }),
        scheduleChoices(),
        async (seats, meals, choices) => {
          const table = Table.create(seats);
          const { shared, threads } = dinner(table, meals);
          const run = await interleave(pool, { shared, threads, choices });
          expectFinished(run, `${seats} philosophers eating ${meals} meal${meals === 1 ? "" : "s"} each`);
          const dinners = run.results as Dinner[];
          for (const [seat, d] of dinners.entries()) {
            expectOnSchedule(
              d.besideNeighbour === 0,
              `philosopher ${seat} ate while a neighbour was eating: they share a fork`,
              run,
            );
            expectOnSchedule(d.meals === meals, `philosopher ${seat} ate ${d.meals} of ${meals} meals`, run);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("finishes dinner on real threads running at once (5 seats)", async () => {
    await using pool = await startPool(5);
    const table = Table.create(5);
    const { shared, threads } = dinner(table, 300);
    const result = await stress(pool, { shared, threads });
    expect(result.verdict, `5 philosophers × 300 meals: ${result.reason}`).toBe("finished");
    const dinners = result.results as Dinner[];
    expect(
      dinners.map((d) => d.besideNeighbour),
      "meals eaten while a neighbour was eating",
    ).toEqual([0, 0, 0, 0, 0]);
  });
});
