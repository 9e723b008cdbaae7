import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectFinished, expectOnSchedule, interleave, ThreadPool } from "../../grader/harness/interleave.ts";
import { learnerModule } from "../../grader/harness/learner.ts";
import { scheduleChoices } from "../../grader/harness/schedules.ts";
import { sequentialAtomics } from "../../grader/harness/sequential-atomics.ts";
import { stress } from "../../grader/harness/stress.ts";
import { RingBuffer } from "./ring-buffer.ts";

const bodies = new URL("./ring-buffer.bodies.ts", import.meta.url);
const data = { learner: learnerModule("exercises/04-threads/ring-buffer.ts") };
const startPool = (size: number) => ThreadPool.start(bodies, size, data);
const schedule = scheduleChoices();

/** Producer p's k-th value: p * 1000 + k, so every value says who put it and in which order. */
const tagged = (producer: number, k: number) => producer * 1000 + k + 1;

/** Problems with what consumers took, in the exercise's words (empty if none). */
function problemsWith(taken: readonly (number | null)[][], put: readonly number[][]): string[] {
  const problems: string[] = [];
  const all = taken.flat();
  if (all.includes(null)) problems.push("a take() without a timeout returned undefined");
  const expected = put.flat().sort((a, b) => a - b);
  const got = all.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (JSON.stringify(got) !== JSON.stringify(expected)) {
    const missing = expected.filter((v) => !got.includes(v));
    const extra = got.filter((v, k) => !expected.includes(v) || got[k - 1] === v);
    problems.push(
      `the consumers took ${got.join(", ") || "nothing"}, but the producers put ${expected.join(", ")}` +
        (missing.length ? `; lost: ${missing.join(", ")}` : "") +
        (extra.length ? `; taken but never put, or taken twice: ${extra.join(", ")}` : ""),
    );
  }
  for (const [c, values] of taken.entries()) {
    for (let p = 0; p < put.length; p++) {
      const mine = values.filter((v) => v !== null && Math.floor(v / 1000) === p) as number[];
      if (mine.some((v, k) => k > 0 && v < mine[k - 1]!)) {
        problems.push(`consumer ${c} took producer ${p}'s values out of order: ${mine.join(", ")}`);
      }
    }
  }
  return problems;
}

describe("RingBuffer", () => {
  it("create refuses a capacity that is not a positive whole number", () => {
    const bad = fc.oneof(
      fc.integer({ max: 0 }),
      fc.double({ noInteger: true }),
      fc.constantFrom(0, -0, -1, 2 ** 24 + 1, Number.NaN, Infinity, -Infinity),
    );
    fc.assert(
      fc.property(bad, (capacity) => {
        expect(
          () => RingBuffer.create(capacity),
          `RingBuffer.create(${capacity}) should throw a RangeError`,
        ).toThrow(RangeError);
      }),
    );
    const ring = RingBuffer.create(3);
    // Another one, created alongside: it has memory of its own.
    const single = RingBuffer.create(1);
    expect(ring.capacity, "RingBuffer.create(3).capacity").toBe(3);
    expect(ring.size, "a new ring buffer's size").toBe(0);
    expect(RingBuffer.attach(structuredClone(ring.handle)).capacity, "an attached buffer's capacity").toBe(3);
    expect(single.put(7, 0), "put(7, 0) into a new buffer of capacity 1").toBe(true);
    expect(ring.size, "the size of a buffer of capacity 3 after a put into another buffer").toBe(0);
    expect(single.capacity, "RingBuffer.create(1).capacity").toBe(1);
  });

  it("behaves like a first-in, first-out queue of bounded size when one thread uses it", () => {
    type Model = { items: number[]; capacity: number };
    type Real = { rings: RingBuffer[] };
    const ring = (r: Real, which: number) => r.rings[which % r.rings.length]!;
    const sizeMatches = (m: Model, r: Real, after: string) =>
      expect(ring(r, 1).size, `after ${after}, size should be ${m.items.length}`).toBe(m.items.length);
    class Put implements fc.Command<Model, Real> {
      constructor(
        readonly which: number,
        readonly value: number,
        readonly timeoutMs: number,
      ) {}
      check = () => true;
      run(m: Model, r: Real) {
        const full = m.items.length === m.capacity;
        let stored: boolean;
        try {
          stored = ring(r, this.which).put(this.value, this.timeoutMs);
        } catch (error) {
          throw new Error(
            `${this} on a buffer holding ${m.items.length} of ${m.capacity}: ${(error as Error).message}`,
          );
        }
        expect(stored, `${this} on a buffer holding ${m.items.length} of ${m.capacity}`).toBe(!full);
        if (!full) m.items.push(this.value);
        sizeMatches(m, r, `${this}`);
      }
      toString = () => `put(${this.value}, ${this.timeoutMs})`;
    }
    class Take implements fc.Command<Model, Real> {
      constructor(
        readonly which: number,
        readonly timeoutMs: number,
      ) {}
      check = () => true;
      run(m: Model, r: Real) {
        let got: number | undefined;
        try {
          got = ring(r, this.which).take(this.timeoutMs);
        } catch (error) {
          throw new Error(`${this} on a buffer holding ${m.items.length}: ${(error as Error).message}`);
        }
        expect(got, `${this} on a buffer holding [${m.items.join(", ")}]`).toBe(m.items[0]);
        m.items.shift();
        sizeMatches(m, r, `${this}`);
      }
      toString = () => `take(${this.timeoutMs})`;
    }
    const which = fc.nat({ max: 1 });
    const timeout = fc.constantFrom(0, 1);
    // Any Int32: 0, -1 and both ends of the range included (none of them may stand for "empty").
    const value = fc.oneof(
      fc.integer({ min: -50, max: 50 }),
      fc.constantFrom(0, -1, -(2 ** 31), 2 ** 31 - 1),
    );
    const commands = fc.commands(
      [
        fc.tuple(which, value, timeout).map(([w, v, t]) => new Put(w, v, t)),
        fc.tuple(which, timeout).map(([w, t]) => new Take(w, t)),
      ],
      { maxCommands: 30 },
    );
    fc.assert(
      fc.property(fc.constantFrom(1, 2, 3, 4), commands, (capacity, cmds) => {
        // It keeps values negated in memory: only a buffer that reaches it through atomics is right.
        const atomics = sequentialAtomics({ disguised: true });
        const first = RingBuffer.create(capacity, atomics);
        const second = RingBuffer.attach(structuredClone(first.handle), atomics);
        fc.modelRun(() => ({ model: { items: [], capacity }, real: { rings: [first, second] } }), cmds);
      }),
      { numRuns: 150 },
    );
  });

  it("hands every value put to exactly one consumer, in each producer's order, under every schedule tried", async () => {
    await using pool = await startPool(4);
    const shape = fc.record({
      capacity: fc.integer({ min: 1, max: 2 }),
      producers: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 2 }),
      consumers: fc.integer({ min: 1, max: 2 }),
    });
    await fc.assert(
      fc.asyncProperty(shape, schedule, async ({ capacity, producers, consumers }, choices) => {
        const ring = RingBuffer.create(capacity);
        const { buffer, byteOffset } = ring.handle;
        const put = producers.map((count, p) => Array.from({ length: count }, (_, k) => tagged(p, k)));
        const total = put.flat().length;
        // Share the takes out so that every value is taken and nobody waits for ever.
        const takes = Array.from(
          { length: consumers },
          (_, c) => Math.floor(total / consumers) + (c < total % consumers ? 1 : 0),
        ).filter((n) => n > 0);
        const run = await interleave(pool, {
          shared: { ring: buffer },
          threads: [
            ...put.map((values, p) => ({
              body: "produce",
              args: { byteOffset, values },
              name: `producer ${p}`,
            })),
            ...takes.map((count, c) => ({
              body: "consume",
              args: { byteOffset, count },
              name: `consumer ${c}`,
            })),
          ],
          choices,
        });
        expectFinished(
          run,
          `${put.length} producers putting ${put.map((v) => v.length).join(" + ")} values into a buffer of capacity ${capacity}, ${takes.length} consumers taking them`,
        );
        const taken = run.results.slice(put.length) as (number | null)[][];
        const problems = problemsWith(taken, put);
        expectOnSchedule(problems.length === 0, problems.join("\n"), run);
        expectOnSchedule(ring.size === 0, `every value was taken, but size is ${ring.size}`, run);
      }),
      { numRuns: 50 },
    );
  });

  it("put and take with a timeout give up cleanly: a refused value is never taken, a missed one stays", async () => {
    await using pool = await startPool(2);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(0, 1), schedule, async (timeoutMs, choices) => {
        // Capacity 1: the producer's second put has to wait for the consumer's take, or give up.
        const ring = RingBuffer.create(1);
        const { buffer, byteOffset } = ring.handle;
        const run = await interleave(pool, {
          shared: { ring: buffer },
          threads: [
            { body: "produce", args: { byteOffset, values: [1, 2], timeoutMs }, name: "producer" },
            { body: "consume", args: { byteOffset, count: 1, timeoutMs }, name: "consumer" },
          ],
          choices,
        });
        expectFinished(
          run,
          `put(…, ${timeoutMs}) twice and take(${timeoutMs}) once on a buffer of capacity 1`,
        );
        const stored = run.results[0] as boolean[];
        const [got] = run.results[1] as (number | null)[];
        const inBuffer = stored.filter(Boolean).length - (got === null ? 0 : 1);
        expectOnSchedule(
          stored[0] === true || got === null,
          `the first put into an empty buffer of capacity 1 returned false`,
          run,
        );
        expectOnSchedule(
          got === null || (got === 1 && stored[0] === true),
          `take(${timeoutMs}) returned ${got}, but the first value stored was ${stored[0] ? 1 : "none"}`,
          run,
        );
        expectOnSchedule(
          ring.size === inBuffer,
          `put returned ${stored.join(", ")} and take got ${got ?? "nothing"}, so ${inBuffer} value(s) should be left, but size is ${ring.size}`,
          run,
        );
      }),
      { numRuns: 40 },
    );
  });

  it("holds on real threads running at once: nothing lost, nothing doubled, each producer's order kept", async () => {
    await using pool = await startPool(4);
    const ring = RingBuffer.create(4);
    const { buffer, byteOffset } = ring.handle;
    const count = 400;
    const put = [0, 1].map((p) => Array.from({ length: count }, (_, k) => tagged(p, k)));
    const result = await stress(pool, {
      shared: { ring: buffer },
      threads: [
        ...put.map((values) => ({ body: "produce", args: { byteOffset, values } })),
        { body: "consume", args: { byteOffset, count } },
        { body: "consume", args: { byteOffset, count } },
      ],
    });
    expect(result.verdict, `2 producers and 2 consumers of ${count} values each: ${result.reason}`).toBe(
      "finished",
    );
    const problems = problemsWith(result.results.slice(2) as (number | null)[][], put);
    expect(problems, "what the consumers took").toEqual([]);
  });
});
