import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { thrownBy } from "../../grader/harness/outcomes.ts";
import { averager, coroutine, send } from "./priming.ts";

const show = (value: unknown) => fc.stringify(value);

/** Values to send: nothing, exactly one, or many, and `undefined` among them on purpose. */
const values = fc.oneof(
  fc.constant([] as unknown[]),
  fc.tuple(fc.anything()).map((one): unknown[] => one),
  fc.array(fc.oneof(fc.constant(undefined), fc.integer(), fc.string(), fc.anything()), { maxLength: 12 }),
);

/** A coroutine that writes down everything it receives; `started` counts runs of its first line. */
function recorder() {
  const log = { started: 0, received: [] as unknown[], closed: 0 };
  function* record(): Generator<void, void, unknown> {
    log.started++;
    try {
      for (;;) log.received.push(yield);
    } finally {
      log.closed++;
    }
  }
  return { log, record };
}

describe("coroutine", () => {
  it("delivers the first value sent: a primed coroutine receives every value, in order", () => {
    fc.assert(
      fc.property(values, (sent) => {
        const { log, record } = recorder();
        const target = coroutine(record)();
        for (const value of sent) target.next(value);
        expect(
          log.received,
          log.received.length < sent.length
            ? `the first value sent was lost: the coroutine received ${show(log.received)} but ${show(sent)} were sent; prime the generator before returning it`
            : `the coroutine received ${show(log.received)} but ${show(sent)} were sent`,
        ).toEqual(sent);
      }),
      // Nothing sent, one value, and undefined sent first (what a second priming next() would deliver).
      { examples: [[[]], [["hello"]], [[undefined]], [[undefined, 1]]] },
    );
  });

  it("primes at creation: the body runs up to its first yield once, and receives nothing yet", () => {
    const { log, record } = recorder();
    coroutine(record)();
    expect(
      log.started,
      log.started === 0
        ? "the wrapped function returned a generator that has not started: prime it right away, not at the first send"
        : `the body started ${log.started} times for one generator`,
    ).toBe(1);
    expect(
      log.received,
      `before anything was sent the coroutine already received ${show(log.received)}: prime with one next(), not two`,
    ).toEqual([]);
  });

  it("passes its arguments on to the generator function", () => {
    fc.assert(
      fc.property(fc.anything(), fc.integer(), (label, n) => {
        const got: unknown[] = [];
        function* withArgs(a: unknown, b: number): Generator<void, void, unknown> {
          got.push(a, b);
          yield;
        }
        coroutine(withArgs)(label, n);
        expect(
          got,
          `the generator function was called with ${show(got)} instead of ${show([label, n])}`,
        ).toEqual([label, n]);
      }),
    );
  });

  it("returns the generator itself: return() closes it and runs its finally once, throw() reaches it", () => {
    const { log, record } = recorder();
    const made: Generator<void, void, unknown>[] = [];
    const target = coroutine(() => {
      const generator = record();
      made.push(generator);
      return generator;
    })();
    expect(target, "the wrapped function should return the very generator the generator function made").toBe(
      made[0],
    );
    target.return();
    target.return();
    expect(log.closed, `closing twice ran the coroutine's finally ${log.closed} times; once is right`).toBe(
      1,
    );

    const caught: unknown[] = [];
    function* catcher(): Generator<string, void, unknown> {
      for (;;) {
        try {
          yield "ready";
        } catch (error) {
          caught.push(error);
        }
      }
    }
    const problem = new Error("planned");
    const other = coroutine(catcher)();
    expect(other.throw(problem).value, "after catching, the coroutine should be at its yield again").toBe(
      "ready",
    );
    expect(caught, "throw() on the primed coroutine should reach the catch inside it").toEqual([problem]);
  });

  it("lets an error thrown before the first yield reach the caller", () => {
    const problem = new Error("broken at start");
    function* broken(): Generator<void, void, unknown> {
      if (problem) throw problem;
      yield;
    }
    expect(
      thrownBy(() => coroutine(broken)()),
      "the error thrown while priming should reach the caller",
    ).toBe(problem);
  });

  it("returns a generator that ends before its first yield finished: the first send throws", () => {
    function* quitter(): Generator<void, void, unknown> {}
    const target = coroutine(quitter)();
    expect(() => send(target, 1), "sending to a coroutine that already returned should throw").toThrow(
      /finished/,
    );
  });
});

describe("send", () => {
  it("returns what the coroutine yields next", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 12 }), (sent) => {
        // Its first yield yields -1, which priming drops: the first send returns the first double.
        function* doubler(): Generator<number, void, number> {
          let x = yield -1;
          for (;;) x = yield x * 2;
        }
        const target = coroutine(doubler)();
        const answers = sent.map((x) => send(target, x));
        expect(
          answers,
          `sent ${show(sent)}, the coroutine yielded the doubles but send returned ${show(answers)}`,
        ).toEqual(sent.map((x) => x * 2));
      }),
    );
  });

  it("throws an Error once the coroutine has finished, closed or returned by itself", () => {
    // What the coroutine returns: nothing, or a value, which is its result and not an answer to the send.
    const results = fc.oneof(fc.constant(undefined), fc.integer(), fc.string(), fc.constant(null));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.boolean(), results, (takes, closeIt, result) => {
        const got: number[] = [];
        function* take(n: number): Generator<void, unknown, number> {
          for (let i = 0; i < n; i++) got.push(yield);
          return result;
        }
        const target = coroutine(take)(takes);
        if (closeIt) {
          target.return(undefined);
          expect(() => send(target, 0), "sending to a closed coroutine should throw an Error").toThrow(
            /finished/,
          );
          return;
        }
        for (let i = 1; i < takes; i++) send(target, i);
        expect(
          () => send(target, takes),
          `the coroutine returns ${result === undefined ? "" : `${show(result)} `}after ${takes} values; the send it returned on should throw an Error that says it finished${result === undefined ? "" : " (what a coroutine returns is not an answer it yields)"}`,
        ).toThrow(/finished/);
        const late = thrownBy(() => send(target, 99));
        expect(late, "sending to a finished coroutine should throw an Error").toBeInstanceOf(Error);
        expect((late as Error).message, "the Error should say the coroutine has finished").toMatch(
          /finished/,
        );
        expect(got, "the values before the end should have been received").toEqual(
          Array.from({ length: takes }, (_, i) => i + 1),
        );
      }),
      // A coroutine that finishes on the very first send, closed or not, and ones that return a value.
      {
        examples: [
          [1, false, undefined],
          [1, true, undefined],
          [2, false, "done"],
          [1, false, 0],
        ],
      },
    );
  });

  it("lets an error the coroutine throws reach the caller unchanged", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.constantFrom("first", "last"), (count, where) => {
        const failAt = where === "first" ? 0 : count - 1;
        const problem = new Error(`value ${failAt} rejected`);
        function* picky(): Generator<void, void, number> {
          for (;;) {
            const x = yield;
            if (x === failAt) throw problem;
          }
        }
        const target = coroutine(picky)();
        for (let i = 0; i < failAt; i++) send(target, i);
        expect(
          thrownBy(() => send(target, failAt)),
          `the coroutine threw at the ${where} value; send should throw that very Error`,
        ).toBe(problem);
      }),
    );
  });
});

describe("averager", () => {
  const numbers = fc.oneof(
    fc.tuple(fc.integer({ min: -1000, max: 1000 })).map((one): number[] => one),
    fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 30 }),
  );

  it("answers each number with the average of all numbers so far", () => {
    fc.assert(
      fc.property(numbers, (sent) => {
        const avg = coroutine(averager)();
        const answers = sent.map((x) => send(avg, x));
        let total = 0;
        const expected = sent.map((x, i) => {
          total += x;
          return total / (i + 1);
        });
        const wrong = answers.findIndex((a, i) => typeof a !== "number" || Math.abs(a - expected[i]!) > 1e-9);
        expect(
          wrong,
          `sent ${show(sent)}: answer ${wrong + 1} was ${show(answers[wrong])}, the average so far is ${expected[wrong]}`,
        ).toBe(-1);
      }),
      // The doc comment's example: 10, then 20, answered with 10 and 15.
      { examples: [[[10, 20]]] },
    );
  });

  it("yields undefined at its first yield, before any number has arrived", () => {
    const first = averager().next();
    expect(first, "the first yield of a fresh averager: nothing to average yet").toEqual({
      value: undefined,
      done: false,
    });
  });

  it("keeps the state of each averager apart", () => {
    fc.assert(
      fc.property(numbers, numbers, (xs, ys) => {
        const a = coroutine(averager)();
        const b = coroutine(averager)();
        const n = Math.max(xs.length, ys.length);
        let lastA: number | undefined;
        let lastB: number | undefined;
        for (let i = 0; i < n; i++) {
          if (i < xs.length) lastA = send(a, xs[i]!);
          if (i < ys.length) lastB = send(b, ys[i]!);
        }
        const mean = (zs: number[]) => zs.reduce((s, z) => s + z, 0) / zs.length;
        expect(
          [lastA, lastB].map((v) => Math.round((v ?? Number.NaN) * 1e6)),
          `two averagers fed ${show(xs)} and ${show(ys)} should end at ${mean(xs)} and ${mean(ys)}, not ${lastA} and ${lastB}: does one averager see the other's numbers?`,
        ).toEqual([Math.round(mean(xs) * 1e6), Math.round(mean(ys) * 1e6)]);
      }),
    );
  });
});
