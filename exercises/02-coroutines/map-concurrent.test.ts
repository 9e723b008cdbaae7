import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { microtaskPacing, type Pacing, pacing } from "../../grader/harness/pacing.ts";
import {
  OverlapProbe,
  observe,
  PlannedFailure,
  watchUnhandledRejections,
} from "../../grader/harness/scheduler.ts";
import { mapConcurrent } from "./map-concurrent.ts";

const show = (value: unknown) => fc.stringify(value);

/** One value of the source: what f makes of it, and whether f fails on it. */
interface Item {
  readonly value: number;
  readonly fails: boolean;
}
const result = (item: Item) => item.value * 2 + 1;

function itemsOf(fails: fc.Arbitrary<boolean>) {
  const item = fc.record({ value: fc.integer({ min: -100, max: 100 }), fails });
  return fc.oneof(
    fc.constant([] as Item[]),
    fc.tuple(item).map((one): Item[] => one),
    fc.array(item, { maxLength: 9 }),
  );
}
const items = itemsOf(fc.constant(false));
const limits = fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 4 }));

/**
 * A source that gives the indexes 0, 1, … of `list`, pausing before each, and an f that pauses once per
 * call. Everything is recorded: what was taken from the source, which calls started, how many ran at once.
 * With `throwAtOnce`, f throws for a failing value the moment it is called instead of rejecting later.
 */
function workload(p: Pacing, list: readonly Item[], throwAtOnce = false) {
  const probe = new OverlapProbe();
  const state = {
    pulled: 0,
    started: [] as number[],
    received: 0,
    /** The most values ever taken from the source ahead of the results the consumer had received. */
    maxAhead: 0,
    closed: false,
    /** Whether the source had finished closing when the consumer's loop ended (by break, error or end). */
    closedWhenConsumerDone: false,
    pulledAfterClose: false,
  };
  async function* source(): AsyncGenerator<number, void, undefined> {
    try {
      for (let i = 0; i < list.length; i++) {
        await p.pause(`source gives value ${i}`);
        state.pulled++;
        state.maxAhead = Math.max(state.maxAhead, state.pulled - state.received);
        yield i;
      }
    } finally {
      // Closing takes a turn, as releasing a file or a connection would: only an awaited return() sees it done.
      await p.pause("source closes");
      state.closed = true;
    }
  }
  function f(i: number): Promise<number> {
    state.started.push(i);
    if (throwAtOnce && list[i]!.fails) throw new PlannedFailure(i);
    return call(i);
  }
  async function call(i: number): Promise<number> {
    probe.enter();
    try {
      await p.pause(`f(value ${i})`);
      if (list[i]!.fails) throw new PlannedFailure(i);
      return result(list[i]!);
    } finally {
      probe.leave();
    }
  }
  /** Consume everything (or `take` results, then break), pausing after each result like a slow consumer. */
  async function consume(output: AsyncIterable<number>, take = Number.POSITIVE_INFINITY) {
    const got: number[] = [];
    let error: unknown;
    try {
      for await (const r of output) {
        got.push(r);
        state.received++;
        if (got.length >= take) break;
        await p.pause(`consumer takes result ${got.length - 1}`);
      }
    } catch (e) {
      error = e;
    }
    state.closedWhenConsumerDone = state.closed;
    return { got, error };
  }
  return { source, f, consume, probe, state };
}

/** Run the consumer to its end under the pacing; a TODO (or any unplanned error) comes out of here. */
async function drive<T>(p: Pacing, running: Promise<T>): Promise<T> {
  const run = observe(running);
  await p.settle([run], "consumers of mapConcurrent");
  return run.promise;
}

describe("mapConcurrent", () => {
  it("yields f of every value, in the order of the source", async () => {
    await fc.assert(
      fc.asyncProperty(pacing(), items, limits, async (p, list, limit) => {
        const w = workload(p, list);
        const { got, error } = await drive(p, w.consume(mapConcurrent(w.source(), w.f, limit)));
        expect(error, `no call fails here, yet mapConcurrent threw ${String(error)}`).toBeUndefined();
        expect(
          got,
          `limit ${limit}: the results must come in source order, whatever order the calls finish in`,
        ).toEqual(list.map(result));
      }),
    );
  });

  it("never runs more than limit calls at once, nor takes more than limit values ahead of the consumer", async () => {
    await fc.assert(
      fc.asyncProperty(pacing(), items, limits, async (p, list, limit) => {
        const w = workload(p, list);
        await drive(p, w.consume(mapConcurrent(w.source(), w.f, limit)));
        expect(w.probe.max, `limit ${limit}, but ${w.probe.max} calls of f ran at once`).toBeLessThanOrEqual(
          limit,
        );
        expect(
          w.state.maxAhead,
          `limit ${limit}, but ${w.state.maxAhead} values were taken from the source ahead of the results received`,
        ).toBeLessThanOrEqual(limit);
      }),
    );
  });

  it("keeps limit calls running while the consumer waits, and starts the next one as each result is taken", async () => {
    const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constantFrom(0, 1), fc.integer({ min: 2, max: 10 })),
        limits,
        fc.infiniteStream(fc.nat()),
        async (n, limit, picks) => {
          const running = new Map<number, (value: number) => void>();
          const started: number[] = [];
          async function* source() {
            for (let i = 0; i < n; i++) yield i;
          }
          const f = (i: number) =>
            new Promise<number>((resolve) => {
              started.push(i);
              running.set(i, resolve);
            });
          let received = 0;
          const output = mapConcurrent(source(), f, limit);
          const consumer = observe(
            (async () => {
              for await (const _ of output) received++;
            })(),
          );
          for (;;) {
            await settle();
            const expected = Math.min(n, received + limit);
            expect(
              started.length,
              `limit ${limit}, ${n} values: with ${received} results taken and the consumer waiting for the next, ${expected} calls should have started, not ${started.length}`,
            ).toBe(expected);
            if (running.size === 0) break;
            // Finish one running call, chosen by the test: results may arrive in any order.
            const choices = [...running.keys()];
            const i = choices[picks.next().value % choices.length]!;
            running.get(i)!(i);
            running.delete(i);
          }
          await settle();
          expect(consumer.state(), "the consumer should have received everything and finished").toBe(
            "fulfilled",
          );
          await consumer.promise;
          expect(received, `all ${n} results should reach the consumer`).toBe(n);
        },
      ),
    );
  });

  it("yields the results before a failed call, then throws its error, and takes nothing more", async () => {
    const ok = (value: number): Item => ({ value, fails: false });
    const bad = (value: number): Item => ({ value, fails: true });
    await fc.assert(
      fc.asyncProperty(
        pacing(),
        itemsOf(fc.boolean()),
        limits,
        fc.boolean(),
        async (p, list, limit, atOnce) => {
          const firstFailure = list.findIndex((item) => item.fails);
          fc.pre(firstFailure >= 0);
          const w = workload(p, list, atOnce);
          const { got, error } = await drive(p, w.consume(mapConcurrent(w.source(), w.f, limit)));
          expect(
            got,
            `value ${firstFailure} fails: the results before it (and only those) should be yielded first`,
          ).toEqual(list.slice(0, firstFailure).map(result));
          expect(error, `value ${firstFailure} fails: its error should reach the consumer`).toEqual(
            new PlannedFailure(firstFailure),
          );
          expect(
            w.state.started.length,
            `after the failure of value ${firstFailure} no more calls should start (limit ${limit}); started ${show(w.state.started)}`,
          ).toBeLessThanOrEqual(firstFailure + limit);
          expect(
            w.state.closedWhenConsumerDone,
            "when the error reached the consumer the source should have been closed already (await its return() before throwing)",
          ).toBe(true);
        },
      ),
      // f throws at once (not a rejection) for a value taken while results before it still wait; and rejects.
      {
        examples: [
          [microtaskPacing([0]), [ok(1), bad(2)], 2, true],
          [microtaskPacing([1]), [ok(1), ok(2), bad(3), ok(4)], 4, true],
          [microtaskPacing([0]), [bad(1)], 1, true],
          [microtaskPacing([0]), [ok(1), bad(2)], 2, false],
        ],
      },
    );
  });

  it("on break, closes the source and starts no further call", async () => {
    await fc.assert(
      fc.asyncProperty(
        pacing(),
        itemsOf(fc.constant(false)).filter((l) => l.length > 0),
        limits,
        fc.nat(),
        async (p, list, limit, pick) => {
          const take = 1 + (pick % list.length);
          const w = workload(p, list);
          const { got } = await drive(p, w.consume(mapConcurrent(w.source(), w.f, limit), take));
          expect(got, `the consumer took ${take} results`).toEqual(list.slice(0, take).map(result));
          expect(
            w.state.closedWhenConsumerDone,
            `the consumer broke off after ${take} of ${list.length} results: by the time its break is over the source should be closed (await its return())`,
          ).toBe(true);
          expect(
            w.state.started.length,
            `after a break at result ${take} (limit ${limit}) at most ${take - 1 + limit} calls may have started; ${w.state.started.length} did`,
          ).toBeLessThanOrEqual(take - 1 + limit);
        },
      ),
    );
  });

  it("passes an error of the source itself on to the consumer, at the first or the last value", async () => {
    await fc.assert(
      fc.asyncProperty(
        pacing(),
        fc.integer({ min: 0, max: 6 }),
        fc.constantFrom("first", "last"),
        limits,
        async (p, n, when, limit) => {
          const problem = new Error("the source broke");
          const list = Array.from({ length: n }, (_, value) => ({ value, fails: false }));
          const at = when === "first" ? 0 : n;
          async function* broken(): AsyncGenerator<number, void, undefined> {
            for (let i = 0; i < at; i++) {
              await p.pause(`source gives value ${i}`);
              yield i;
            }
            await p.pause("source fails");
            throw problem;
          }
          const w = workload(p, list);
          const { got, error } = await drive(p, w.consume(mapConcurrent(broken(), w.f, limit)));
          expect(error, `the source threw after ${at} values; the consumer should get that error`).toBe(
            problem,
          );
          expect(list.slice(0, got.length).map(result), "the results yielded before the error").toEqual(got);
        },
      ),
    );
  });

  it("leaves no rejection unhandled when calls fail after the consumer has stopped", async () => {
    await fc.assert(
      fc.asyncProperty(pacing(), itemsOf(fc.boolean()), limits, fc.nat(), async (p, list, limit, pick) => {
        fc.pre(list.length > 0);
        const watch = watchUnhandledRejections();
        const w = workload(p, list);
        await drive(p, w.consume(mapConcurrent(w.source(), w.f, limit), 1 + (pick % list.length)));
        // Let the calls still running finish (and fail) after the consumer is gone.
        await p.settle([], "calls still running");
        const unhandled = await watch.stop();
        expect(
          unhandled.map(String),
          "a call that fails while nobody awaits it must not become an unhandled rejection",
        ).toEqual([]);
      }),
    );
  });

  it("rejects a limit that is not a positive integer with a RangeError", async () => {
    const edges = [0, -1, 1.5, 0.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
    const bad = fc.oneof(fc.constantFrom(...edges), fc.integer({ max: 0 }), fc.double({ noInteger: true }));
    await fc.assert(
      fc.asyncProperty(bad, async (limit) => {
        async function* source() {
          yield 1;
        }
        await expect(
          mapConcurrent(source(), async (x: number) => x, limit).next(),
          `limit ${limit} should be refused with a RangeError`,
        ).rejects.toThrow(RangeError);
      }),
      // Each edge in every run: Infinity passes `Math.trunc(n) === n`, NaN fails every comparison.
      { examples: edges.map((edge) => [edge]) },
    );
  });
});
