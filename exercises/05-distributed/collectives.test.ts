import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scaledWait, withDeadline } from "../../grader/harness/deadline.ts";
import { expectAllSettle, observe } from "../../grader/harness/scheduler.ts";
import { allgather, allreduce, barrier, bcast, gather, reduce, scatter } from "./collectives.ts";
import type { Seen } from "./collectives-program.ts";
import { type Comm, runLocal, runWorkers } from "./comm.ts";

/**
 * Run `program` on `size` ranks in this thread, every message delivered when fast-check's scheduler says,
 * and every rank starting after a scheduled turn of its own. Resolves with each rank's result, or rejects
 * with the run's error; fails if the run can never finish (some rank waits for a message nobody sends).
 */
async function runScheduled<R>(s: fc.Scheduler, size: number, program: (comm: Comm) => Promise<R>) {
  const run = observe(
    runLocal(
      size,
      async (comm) => {
        await s.schedule(Promise.resolve(), `rank ${comm.rank} starts`);
        return program(comm);
      },
      { delay: (m) => s.schedule(Promise.resolve(), `message ${m.source}→${m.dest} tag ${m.tag}`) },
    ),
  );
  await expectAllSettle(s, [run], "runs (some rank waits for a message that never comes: a deadlock)");
  return run;
}

async function resultsOf<R>(
  s: fc.Scheduler,
  size: number,
  program: (comm: Comm) => Promise<R>,
  what = "a rank's program",
): Promise<R[]> {
  const run = await runScheduled(s, size, program);
  if (run.state() === "rejected") {
    // Said as what the ranks were doing, so the failure does not read as the engine's words alone.
    const reason = run.reason();
    const said = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
    throw new Error(`${what} threw ${said}`, { cause: reason });
  }
  return run.value()!;
}

/** A world: its size (1 among them), a root (often the last rank, or 0), and one distinct value per rank. */
const world = fc.constantFrom(1, 2, 3, 4, 5).chain((size) =>
  fc.record({
    size: fc.constant(size),
    root: fc.oneof(fc.constant(size - 1), fc.constant(0), fc.nat({ max: size - 1 })),
    values: fc.uniqueArray(fc.integer({ min: -99, max: 99 }), { minLength: size, maxLength: size }),
  }),
);

const show = (x: unknown) => JSON.stringify(x) ?? String(x);

describe("bcast", () => {
  it("gives every rank the root's value, whichever rank is the root", async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), world, async (s, { size, root, values }) => {
        const value = { from: root, items: values };
        const got = await resultsOf(s, size, (comm) =>
          bcast(comm, comm.rank === root ? value : undefined, root),
        );
        got.forEach((v, r) => {
          expect(
            v,
            `bcast from root ${root} of ${size} ranks gave rank ${r} ${show(v)}, not the root's ${show(value)}`,
          ).toEqual(value);
        });
      }),
    );
  });
});

describe("scatter", () => {
  it("hands rank r the r-th of the root's values, whichever rank is the root", async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), world, async (s, { size, root, values }) => {
        const got = await resultsOf(s, size, (comm) =>
          scatter(comm, comm.rank === root ? values : undefined, root),
        );
        expect(got, `scatter of ${show(values)} from root ${root}: rank r must get values[r]`).toEqual(
          values,
        );
      }),
    );
  });

  it('throws RangeError("expecting N items, got M") at the root when the list does not have one item per rank', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        world,
        // No items at all, one too few, one too many, or any other wrong count.
        fc.oneof(fc.constantFrom("empty", "one short", "one over"), fc.integer({ min: 0, max: 7 })),
        async (s, { size, root }, count) => {
          const length =
            count === "empty"
              ? 0
              : count === "one short"
                ? size - 1
                : count === "one over"
                  ? size + 1
                  : count;
          fc.pre(length !== size);
          const values = Array.from({ length }, (_, i) => i);
          const run = await runScheduled(s, size, (comm) =>
            scatter(comm, comm.rank === root ? values : undefined, root),
          );
          expect(
            run.state(),
            `scatter of ${length} values on ${size} ranks resolved with ${show(run.value())}: the root must throw a RangeError`,
          ).toBe("rejected");
          expect(run.reason(), `scatter of ${length} values on ${size} ranks`).toEqual(
            new RangeError(`expecting ${size} items, got ${length}`),
          );
        },
      ),
    );
  });
});

describe("gather", () => {
  it("returns every rank's value in rank order at the root, and undefined on the others", async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), world, async (s, { size, root, values }) => {
        const got = await resultsOf(s, size, (comm) => gather(comm, values[comm.rank]!, root));
        expect(
          got[root],
          `gather returned ${show(got[root])} at root ${root}, but ranks 0..${size - 1} sent ${show(values)}: the list must be in rank order`,
        ).toEqual(values);
        got.forEach((v, r) => {
          if (r !== root)
            expect(
              v,
              `gather returned ${show(v)} on rank ${r}, which is not the root ${root}: it must be undefined there`,
            ).toBeUndefined();
        });
      }),
    );
  });
});

describe("allgather", () => {
  it("gives every rank all values in rank order", async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), world, async (s, { size, values }) => {
        const got = await resultsOf(s, size, (comm) => allgather(comm, values[comm.rank]!));
        got.forEach((v, r) => {
          expect(
            v,
            `allgather gave rank ${r} ${show(v)}, but ranks 0..${size - 1} sent ${show(values)} (rank order)`,
          ).toEqual(values);
        });
      }),
    );
  });
});

/** Concatenation: associative, not commutative, so only the rank-order fold gives the right string. */
const concat = (a: string, b: string) => `${a},${b}`;

describe("reduce", () => {
  it("folds the values in rank order at the root, with an op that is not commutative, and gives undefined elsewhere", async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), world, async (s, { size, root, values }) => {
        const words = values.map((v) => `v${v}`);
        const got = await resultsOf(s, size, (comm) => reduce(comm, words[comm.rank]!, concat, root));
        const expected = words.reduce(concat);
        expect(
          got[root],
          `reduce with op (a, b) => a + "," + b returned ${show(got[root])} at root ${root}, but the ranks sent ${show(words)}: fold in rank order, op(op(v0, v1), v2)…`,
        ).toBe(expected);
        got.forEach((v, r) => {
          if (r !== root)
            expect(
              v,
              `reduce returned ${show(v)} on rank ${r}, which is not the root ${root}: it must be undefined there`,
            ).toBeUndefined();
        });
      }),
    );
  });
});

describe("allreduce", () => {
  it("gives every rank the rank-order fold", async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), world, async (s, { size, values }) => {
        const words = values.map((v) => `v${v}`);
        const got = await resultsOf(s, size, (comm) => allreduce(comm, words[comm.rank]!, concat));
        const expected = words.reduce(concat);
        got.forEach((v, r) => {
          expect(
            v,
            `allreduce gave rank ${r} ${show(v)}, but the rank-order fold of ${show(words)} is ${show(expected)}`,
          ).toBe(expected);
        });
      }),
    );
  });
});

describe("barrier", () => {
  it("lets no rank return before every rank has called it", async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 1, max: 5 }), async (s, size) => {
        const log: string[] = [];
        await resultsOf(s, size, async (comm) => {
          log.push(`enter ${comm.rank}`);
          await barrier(comm);
          log.push(`leave ${comm.rank}`);
        });
        const firstLeave = log.findIndex((e) => e.startsWith("leave"));
        const lastEnter = log.findLastIndex((e) => e.startsWith("enter"));
        expect(
          firstLeave > lastEnter,
          `with ${size} ranks the events were ${log.join(", ")}: a rank left the barrier before every rank had entered it`,
        ).toBe(true);
        expect(log.length, "every rank must enter and leave the barrier once").toBe(2 * size);
      }),
    );
  });
});

describe("collectives", () => {
  it("refuse a root that is not a rank with a RangeError on every rank", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom("bcast", "scatter", "gather", "reduce"),
        fc.constantFrom(-1, 0.5, 4, 7, Number.NaN),
        async (s, size, which, wrong) => {
          const root = wrong === 4 ? size : wrong;
          const errors = await resultsOf(s, size, async (comm) => {
            try {
              if (which === "bcast") await bcast(comm, 1, root);
              else if (which === "scatter") await scatter(comm, [1, 2, 3, 4].slice(0, size), root);
              else if (which === "gather") await gather(comm, 1, root);
              else await reduce(comm, "x", concat, root);
              return undefined;
            } catch (error) {
              return error;
            }
          });
          errors.forEach((e, r) => {
            expect(
              e,
              `${which} with root ${root} on ${size} ranks: rank ${r} must reject with a RangeError`,
            ).toBeInstanceOf(RangeError);
          });
        },
      ),
    );
  });

  it("use root 0 when no root is given", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        world,
        fc.constantFrom("bcast", "scatter", "gather", "reduce"),
        async (s, { size, values }, which) => {
          const words = values.map((v) => `v${v}`);
          // One collective per run: what is checked here is the root it picks, nothing else.
          const got = await resultsOf(
            s,
            size,
            async (comm): Promise<unknown> =>
              which === "bcast"
                ? bcast(comm, comm.rank === 0 ? "from 0" : undefined)
                : which === "scatter"
                  ? scatter(comm, comm.rank === 0 ? values : undefined)
                  : which === "gather"
                    ? gather(comm, values[comm.rank]!)
                    : reduce(comm, words[comm.rank]!, concat),
            `${which} without a root on ${size} ranks, a rank`,
          );
          got.forEach((g, rank) => {
            const expected =
              which === "bcast"
                ? "from 0"
                : which === "scatter"
                  ? values[rank]
                  : which === "gather"
                    ? rank === 0
                      ? values
                      : undefined
                    : rank === 0
                      ? words.reduce(concat)
                      : undefined;
            expect(
              g,
              `${which} without a root (so root 0) on ${size} ranks gave rank ${rank} ${show(g)} instead of ${show(expected)}`,
            ).toEqual(expected);
          });
        },
      ),
    );
  });

  it("never mix their messages with the program's own or with each other's, called back to back", async () => {
    const step = fc.record({
      op: fc.constantFrom("bcast", "scatter", "gather", "allgather", "reduce", "allreduce", "barrier"),
      root: fc.nat({ max: 4 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 1, max: 4 }),
        fc.array(step, { minLength: 2, maxLength: 5 }),
        fc.array(fc.record({ from: fc.nat({ max: 3 }), to: fc.nat({ max: 3 }), tag: fc.nat({ max: 2 }) }), {
          maxLength: 4,
        }),
        async (s, size, steps, own) => {
          const mine = own.filter((m) => m.from < size && m.to < size).map((m, id) => ({ ...m, id }));
          const rounds = steps.map((st, i) => ({ ...st, root: st.root % size, base: 100 * i }));
          // Rank r's value in round i is base + r; each round's expected result follows from that.
          const got = await resultsOf(
            s,
            size,
            async (comm) => {
              for (const m of mine.filter((m) => m.from === comm.rank)) comm.send(m, m.to, m.tag);
              const seen: unknown[] = [];
              for (const { op, root, base } of rounds) {
                const mineNow = base + comm.rank;
                const all = Array.from({ length: size }, (_, r) => base + r);
                if (op === "bcast") seen.push(await bcast(comm, comm.rank === root ? base : undefined, root));
                else if (op === "scatter")
                  seen.push(await scatter(comm, comm.rank === root ? all : undefined, root));
                else if (op === "gather") seen.push(await gather(comm, mineNow, root));
                else if (op === "allgather") seen.push(await allgather(comm, mineNow));
                else if (op === "reduce") seen.push(await reduce(comm, `${mineNow}`, concat, root));
                else if (op === "allreduce") seen.push(await allreduce(comm, `${mineNow}`, concat));
                else seen.push(await barrier(comm));
              }
              const received = [];
              for (const m of mine.filter((m) => m.to === comm.rank))
                received.push(await comm.recv(m.from, m.tag));
              return { seen, received };
            },
            `calling ${rounds.map((r) => r.op).join(", ")} back to back on ${size} ranks, a rank`,
          );
          got.forEach(({ seen, received }, rank) => {
            rounds.forEach(({ op, root, base }, i) => {
              const all = Array.from({ length: size }, (_, r) => base + r);
              const fold = all.map(String).reduce(concat);
              const expected =
                op === "bcast"
                  ? base
                  : op === "scatter"
                    ? base + rank
                    : op === "gather"
                      ? rank === root
                        ? all
                        : undefined
                      : op === "allgather"
                        ? all
                        : op === "reduce"
                          ? rank === root
                            ? fold
                            : undefined
                          : op === "allreduce"
                            ? fold
                            : undefined;
              expect(
                seen[i],
                `the program called ${rounds.map((r) => (r.op === "allgather" || r.op === "allreduce" || r.op === "barrier" ? r.op : `${r.op}(root ${r.root})`)).join(", ")} on ${size} ranks; call ${i + 1} (${op}) gave rank ${rank} ${show(seen[i])} instead of ${show(expected)}: each collective needs messages of its own (a tag per call)`,
              ).toEqual(expected);
            });
            const expectedOwn = mine.filter((m) => m.to === rank);
            expect(
              received,
              `rank ${rank} received ${show(received)} as the program's own messages, sent before the collectives: a collective must not take them`,
            ).toEqual(expectedOwn);
          });
        },
      ),
    );
  });

  it("work on worker threads with runWorkers", { timeout: scaledWait(60_000) }, async () => {
    for (const size of [1, 4]) {
      const program = new URL("./collectives-program.ts", import.meta.url);
      const seen = await withDeadline(
        runWorkers<Seen>(size, program, { timeoutMs: scaledWait(15_000) }),
        scaledWait(20_000),
        `runWorkers on ${size} ranks`,
      );
      const root = size - 1;
      const ranks = Array.from({ length: size }, (_, r) => r);
      seen.forEach((got, rank) => {
        expect(
          got,
          `on ${size} worker threads (root ${root}), rank ${rank} saw from barrier, bcast, scatter, gather, allgather, reduce, allreduce`,
        ).toEqual({
          bcast: { from: root },
          scatter: rank * 10,
          gather: rank === root ? ranks.map((r) => `g${r}`) : undefined,
          allgather: ranks,
          reduce: rank === root ? ranks.join("") : undefined,
          allreduce: ranks,
        });
      });
    }
  });
});
