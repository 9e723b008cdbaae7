import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectAllSettle, observe } from "../../grader/harness/scheduler.ts";
import { type Comm, runLocal } from "./comm.ts";
import { blockRange, type Collectives, matvec, parallelPi, parallelSum } from "./parallel.ts";

/** Plain collectives of the tests' own (a tag per call, rank 0 in the middle), so only the program is tested. */
function trustedCollectives(): Collectives {
  const calls = new WeakMap<Comm, number>();
  const tagOf = (comm: Comm) => {
    const n = calls.get(comm) ?? 0;
    calls.set(comm, n + 1);
    return 2 ** 30 + n;
  };
  const allgather = async <T>(comm: Comm, value: T): Promise<T[]> => {
    const tag = tagOf(comm);
    if (comm.rank !== 0) {
      comm.send(value, 0, tag);
      return comm.recv<T[]>(0, tag);
    }
    const all: T[] = [value];
    for (let r = 1; r < comm.size; r++) all.push(await comm.recv<T>(r, tag));
    for (let r = 1; r < comm.size; r++) comm.send(all, r, tag);
    return all;
  };
  return {
    allgather,
    async allreduce<T>(comm: Comm, value: T, op: (a: T, b: T) => T): Promise<T> {
      return (await allgather(comm, value)).reduce(op);
    },
  };
}

async function runScheduled<R>(
  s: fc.Scheduler,
  size: number,
  program: (comm: Comm) => Promise<R>,
): Promise<R[]> {
  const run = observe(
    runLocal(size, program, { delay: (m) => s.schedule(Promise.resolve(), `message ${m.source}→${m.dest}`) }),
  );
  await expectAllSettle(s, [run], "runs (some rank waits for a message that never comes)");
  if (run.state() === "rejected") throw run.reason();
  return run.value()!;
}

describe("blockRange", () => {
  it("splits 0..n-1 into blocks in rank order that cover every index once, lengths differing by at most one", () => {
    fc.assert(
      fc.property(fc.nat({ max: 60 }), fc.integer({ min: 1, max: 9 }), (n, size) => {
        const blocks = Array.from({ length: size }, (_, r) => blockRange(n, size, r));
        const covered = blocks.flatMap(({ start, end }) =>
          Array.from({ length: Math.max(0, end - start) }, (_, k) => start + k),
        );
        expect(
          covered,
          `blockRange(${n}, ${size}, r) for r = 0..${size - 1} gave ${JSON.stringify(blocks)}: together, in rank order, the blocks must be exactly 0..${n - 1}`,
        ).toEqual(Array.from({ length: n }, (_, i) => i));
        const starts = blocks.map(({ start }) => start);
        expect(
          starts,
          `blockRange(${n}, ${size}, r) gave ${JSON.stringify(blocks)}: in rank order, each block (an empty one too) starts where the one before it ends`,
        ).toEqual(blocks.map((_, r) => (r === 0 ? 0 : blocks[r - 1]!.end)));
        const lengths = blocks.map(({ start, end }) => end - start);
        expect(
          Math.max(...lengths) - Math.min(...lengths),
          `blockRange(${n}, ${size}, r) gave block lengths ${JSON.stringify(lengths)}: they may differ by at most one`,
        ).toBeLessThanOrEqual(1);
        const base = Math.floor(n / size);
        expect(
          lengths,
          `blockRange(${n}, ${size}, r) gave block lengths ${JSON.stringify(lengths)}: the first ${n} % ${size} = ${n % size} ranks take one more than the others`,
        ).toEqual(Array.from({ length: size }, (_, r) => base + (r < n % size ? 1 : 0)));
      }),
      // Nothing to share, fewer indices than ranks, an even split, a remainder, a single rank.
      {
        examples: [
          [0, 1],
          [0, 4],
          [3, 5],
          [10, 5],
          [11, 5],
          [14, 5],
          [7, 1],
        ],
      },
    );
  });
});

describe("parallelSum", () => {
  it("gives every rank the exact sum of i² for i < n, also when n is smaller than the number of ranks", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 1, max: 6 }),
        // Nothing to sum, and fewer indices than ranks, at every seed.
        fc.oneof(fc.constantFrom(0, 1, 2), fc.nat({ max: 40 })),
        async (s, size, n) => {
          const c = trustedCollectives();
          const asked: number[][] = Array.from({ length: size }, () => []);
          const got = await runScheduled(s, size, (comm) =>
            parallelSum(
              comm,
              n,
              (i) => {
                asked[comm.rank]!.push(i);
                return i * i;
              },
              c,
            ),
          );
          const exact = ((n - 1) * n * (2 * n - 1)) / 6;
          got.forEach((v, r) => {
            expect(
              v,
              `parallelSum of i² for i < ${n} on ${size} ranks gave rank ${r} ${v}; the sum is ${exact}: every index once`,
            ).toBe(exact);
          });
          asked.forEach((indices, r) => {
            const { start, end } = blockRange(n, size, r);
            expect(
              [...indices].sort((a, b) => a - b),
              `parallelSum of f(i) for i < ${n} on ${size} ranks: rank ${r} called f for ${JSON.stringify(indices)}, but each rank sums its own block, ${start}..${end - 1}, once each`,
            ).toEqual(Array.from({ length: end - start }, (_, k) => start + k));
          });
        },
      ),
    );
  });
});

describe("parallelPi", () => {
  it("gives every rank the midpoint-rule π, as the sequential sum gives it", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 1, max: 6 }),
        // One interval, and fewer intervals than ranks, at every seed.
        fc.oneof(fc.constantFrom(1, 2), fc.integer({ min: 1, max: 200 })),
        async (s, size, n) => {
          const c = trustedCollectives();
          const got = await runScheduled(s, size, (comm) => parallelPi(comm, n, c));
          let sequential = 0;
          for (let i = 0; i < n; i++) {
            const x = (i + 0.5) / n;
            sequential += 4 / (1 + x * x) / n;
          }
          got.forEach((v, r) => {
            expect(
              Math.abs(v - sequential),
              `parallelPi(${n}) on ${size} ranks gave rank ${r} ${v}, the sequential midpoint rule ${sequential}`,
            ).toBeLessThan(1e-9);
          });
        },
      ),
    );
  });
});

describe("matvec", () => {
  it("gives every rank the whole A·x from row blocks of A and blocks of x", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 6 }).chain((cols) =>
          fc.record({
            // No rows at all, and fewer rows than ranks, come up at every seed.
            a: fc.oneof(
              fc.constant<number[][]>([]),
              fc.array(fc.array(fc.integer({ min: -9, max: 9 }), { minLength: cols, maxLength: cols }), {
                maxLength: 6,
              }),
            ),
            x: fc.array(fc.integer({ min: -9, max: 9 }), { minLength: cols, maxLength: cols }),
          }),
        ),
        async (s, size, { a, x }) => {
          const c = trustedCollectives();
          const got = await runScheduled(s, size, (comm) => {
            const rows = blockRange(a.length, size, comm.rank);
            const xs = blockRange(x.length, size, comm.rank);
            return matvec(comm, a.slice(rows.start, rows.end), x.slice(xs.start, xs.end), c);
          });
          const expected = a.map((row) => row.reduce((sum, v, j) => sum + v * x[j]!, 0));
          got.forEach((y, r) => {
            expect(
              y,
              `matvec of A = ${JSON.stringify(a)}, x = ${JSON.stringify(x)} on ${size} ranks gave rank ${r}`,
            ).toEqual(expected);
          });
        },
      ),
    );
  });
});
