import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectFinished, expectOnSchedule, interleave, ThreadPool } from "../../grader/harness/interleave.ts";
import { learnerModule } from "../../grader/harness/learner.ts";
import { scheduleChoices } from "../../grader/harness/schedules.ts";
import { sequentialAtomics } from "../../grader/harness/sequential-atomics.ts";
import { stress } from "../../grader/harness/stress.ts";
import type { RoundReport } from "./barrier.bodies.ts";
import { Barrier } from "./barrier.ts";

const bodies = new URL("./barrier.bodies.ts", import.meta.url);
const data = { learner: learnerModule("exercises/04-threads/barrier.ts") };
const startPool = (size: number) => ThreadPool.start(bodies, size, data);
const schedule = scheduleChoices({ maxLength: 80 });

/** Run `parties` threads through `rounds` rounds of one barrier, in the order `choices` picks. */
async function controlledRounds(pool: ThreadPool, parties: number, rounds: number, choices: number[]) {
  const barrier = Barrier.create(parties);
  const { buffer, byteOffset } = barrier.handle;
  const run = await interleave(pool, {
    shared: { barrier: buffer, probe: new SharedArrayBuffer(8 * 4) },
    threads: Array.from({ length: parties }, () => ({ body: "rounds", args: { byteOffset, rounds } })),
    choices,
  });
  expectFinished(run, `${parties} threads going through ${rounds} rounds of a barrier for ${parties}`);
  return { run, reports: run.results as RoundReport[] };
}

describe("Barrier", () => {
  it("create refuses parties that is not a positive whole number, and attach sees the same barrier", () => {
    const bad = fc.oneof(
      fc.integer({ max: 0 }),
      fc.double({ noInteger: true }),
      fc.constantFrom(0, -0, -1, 2 ** 31, Number.NaN, Infinity, -Infinity),
    );
    fc.assert(
      fc.property(bad, (parties) => {
        expect(() => Barrier.create(parties), `Barrier.create(${parties}) should throw a RangeError`).toThrow(
          RangeError,
        );
      }),
    );
    // It keeps values negated in memory: only a barrier that reaches its state through atomics is right.
    const atomics = sequentialAtomics({ disguised: true });
    const sizes = [1, 2, 5, 2 ** 31 - 1];
    // All created first: each in memory of its own, so creating one changes no other.
    const barriers = sizes.map((parties) => Barrier.create(parties, atomics));
    for (const [k, parties] of sizes.entries()) {
      const barrier = barriers[k]!;
      expect(barrier.parties, `Barrier.create(${parties}).parties, read through atomics`).toBe(parties);
      expect(
        Barrier.attach(structuredClone(barrier.handle), atomics).parties,
        "the parties of an attached barrier",
      ).toBe(parties);
    }
    expect(Barrier.create(3).parties, "Barrier.create(3) with the global Atomics: its parties").toBe(3);
  });

  it("lets a single party straight through, round after round, without sleeping", () => {
    // It keeps values negated in memory: only a barrier that reaches its state through atomics is right.
    const barrier = Barrier.create(1, sequentialAtomics({ disguised: true }));
    for (let round = 0; round < 5; round++) {
      let arrival: number;
      try {
        arrival = barrier.wait();
      } catch (error) {
        throw new Error(
          `round ${round}: wait() on a barrier for 1 should not sleep: ${(error as Error).message}\n(the test's AtomicsLike keeps values negated in memory: a value read or written without atomics is wrong here)`,
        );
      }
      expect(arrival, `wait() on a barrier for 1, round ${round}: the only arrival is number 0`).toBe(0);
    }
  });

  it("lets nobody leave a round before every party has arrived, under every schedule tried", async () => {
    await using pool = await startPool(3);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        schedule,
        async (parties, rounds, choices) => {
          const { run, reports } = await controlledRounds(pool, parties, rounds, choices);
          for (const [thread, report] of reports.entries()) {
            for (const [round, arrived] of report.arrivedWhenLeft.entries()) {
              expectOnSchedule(
                arrived === parties,
                `thread ${thread} left round ${round} when only ${arrived} of ${parties} threads had arrived at it`,
                run,
              );
            }
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it("numbers the arrivals of each round 0 to parties − 1, each once, under every schedule tried", async () => {
    await using pool = await startPool(3);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        schedule,
        async (parties, rounds, choices) => {
          const { run, reports } = await controlledRounds(pool, parties, rounds, choices);
          for (let round = 0; round < rounds; round++) {
            const numbers = reports.map((r) => r.arrivals[round]!).sort((a, b) => a - b);
            expectOnSchedule(
              JSON.stringify(numbers) === JSON.stringify([...Array(parties).keys()]),
              `in round ${round} wait() returned ${numbers.join(", ")}; ${parties} parties should get 0 to ${parties - 1}, each once`,
              run,
            );
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it("numbers the arrivals in the order they come: 0 for the first, parties − 1 for the last", async () => {
    await using pool = await startPool(3);
    for (const parties of [2, 3]) {
      // Always the lowest-numbered thread that can move, or always the highest: each thread runs until it
      // sleeps in wait() before the next one starts, so the threads arrive in that order, every round.
      for (const order of ["lowest first", "highest first"] as const) {
        const choices = Array.from({ length: 400 }, () => (order === "lowest first" ? 0 : 5));
        const { run, reports } = await controlledRounds(pool, parties, 2, choices);
        for (const [thread, report] of reports.entries()) {
          const place = order === "lowest first" ? thread : parties - 1 - thread;
          for (const [round, arrival] of report.arrivals.entries()) {
            expectOnSchedule(
              arrival === place,
              `in round ${round} of a barrier for ${parties}, thread ${thread} arrived ${place === 0 ? "first" : place === parties - 1 ? "last" : `number ${place}`} (the others before it were asleep in wait()), so wait() should return ${place}, but it returned ${arrival}`,
              run,
            );
          }
        }
      }
    }
  });

  it("is reusable on real threads running at once: round after round, nobody laps anybody", async () => {
    await using pool = await startPool(4);
    const parties = 4;
    const rounds = 300;
    const barrier = Barrier.create(parties);
    const { buffer, byteOffset } = barrier.handle;
    const result = await stress(pool, {
      shared: { barrier: buffer, probe: new SharedArrayBuffer(rounds * 4) },
      threads: Array.from({ length: parties }, () => ({ body: "rounds", args: { byteOffset, rounds } })),
    });
    expect(result.verdict, `${parties} threads × ${rounds} rounds: ${result.reason}`).toBe("finished");
    const reports = result.results as RoundReport[];
    for (const [thread, report] of reports.entries()) {
      const early = report.arrivedWhenLeft.findIndex((n) => n !== parties);
      expect(
        early,
        early < 0
          ? ""
          : `thread ${thread} left round ${early} when ${report.arrivedWhenLeft[early]} of ${parties} threads had arrived at it`,
      ).toBe(-1);
    }
    for (let round = 0; round < rounds; round++) {
      const numbers = reports.map((r) => r.arrivals[round]!).sort((a, b) => a - b);
      if (JSON.stringify(numbers) !== "[0,1,2,3]") {
        expect.fail(
          `in round ${round} wait() returned ${numbers.join(", ")}; 4 parties should get 0 to 3, each once`,
        );
      }
    }
  });
});
