import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { thrownBy } from "../../grader/harness/outcomes.ts";
import { type Routine, runTrampolined } from "./trampoline.ts";

const show = (value: unknown) => fc.stringify(value);

/**
 * Iterators that are not generators: they have a next() method, but yielding one is not a call. Made fresh
 * for each run, so a runner that wrongly drives one cannot use it up for the next run.
 */
function notAGenerator(kind: "array iterator" | "object with next()"): object {
  return kind === "array iterator"
    ? Object.assign([1, 2].values(), { [fc.toStringMethod]: (): string => "[1, 2].values()" })
    : { next: () => ({ done: true, value: "not a call" }), [fc.toStringMethod]: (): string => "{ next() }" };
}
const iteratorLike = fc
  .constantFrom("array iterator" as const, "object with next()" as const)
  .map(notAGenerator);

/** Plain values a routine may yield: anything but a generator. */
const plain = fc.oneof(
  fc.constantFrom(undefined, null, 0, "", false),
  iteratorLike,
  fc.integer(),
  fc.string({ maxLength: 5 }),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.constantFrom("a", "b"), fc.integer()),
);

// Expression trees, evaluated directly and by generator subroutines under the trampoline.
type Expr =
  | { op: "num"; value: number }
  | { op: "neg"; arg: Expr }
  | { op: "add" | "mul" | "sub"; left: Expr; right: Expr };
const { expr } = fc.letrec<{ expr: Expr }>((tie) => ({
  expr: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({ op: fc.constant("num" as const), value: fc.integer({ min: -9, max: 9 }) }),
    fc.record({ op: fc.constant("neg" as const), arg: tie("expr") }),
    fc.record({
      op: fc.constantFrom("add" as const, "mul" as const, "sub" as const),
      left: tie("expr"),
      right: tie("expr"),
    }),
  ),
}));

function evaluate(e: Expr): number {
  switch (e.op) {
    case "num":
      return e.value;
    case "neg":
      return -evaluate(e.arg);
    case "add":
      return evaluate(e.left) + evaluate(e.right);
    case "sub":
      return evaluate(e.left) - evaluate(e.right);
    case "mul":
      return evaluate(e.left) * evaluate(e.right);
  }
}

/** The same evaluator as subroutines; it also yields plain "trace" values, which must come straight back. */
function* evaluateRoutine(e: Expr, bad: string[]): Routine<number> {
  const echo = yield `visiting ${e.op}`;
  if (echo !== `visiting ${e.op}`) bad.push(`yield "visiting ${e.op}" gave back ${show(echo)}`);
  switch (e.op) {
    case "num":
      return e.value;
    case "neg":
      return -((yield evaluateRoutine(e.arg, bad)) as number);
    default: {
      const left = (yield evaluateRoutine(e.left, bad)) as number;
      const right = (yield evaluateRoutine(e.right, bad)) as number;
      yield "done with both sides"; // the last thing yielded is not the result
      return e.op === "add" ? left + right : e.op === "sub" ? left - right : left * right;
    }
  }
}

function* depth(n: number): Routine<number> {
  if (n === 0) return 0;
  const below = (yield depth(n - 1)) as number;
  return below + 1;
}

describe("runTrampolined", () => {
  it("returns what main returns, and sends each plain yielded value straight back", () => {
    fc.assert(
      fc.property(fc.array(plain, { maxLength: 6 }), plain, (yielded, result) => {
        const received: unknown[] = [];
        function* main(): Routine<unknown> {
          for (const value of yielded) received.push(yield value);
          return result;
        }
        const got = runTrampolined(main());
        // Compared by identity: the very value yielded comes back (toEqual would iterate an iterator away).
        expect(
          received.map((value, i) => (Object.is(value, yielded[i]) ? "the same value" : value)),
          `main yielded ${show(yielded)}; each yield should give back the same value`,
        ).toEqual(yielded.map(() => "the same value"));
        expect(got, `main returned ${show(result)}, runTrampolined returned ${show(got)}`).toBe(result);
      }),
      // Falsy values; then iterators that are not generators, yielded and returned: plain values all the same.
      {
        examples: [
          [[undefined, null, 0, "", false], undefined],
          [
            [notAGenerator("array iterator"), notAGenerator("object with next()")],
            notAGenerator("array iterator"),
          ],
        ],
      },
    );
  });

  it("calls a yielded generator and sends its return value, not its last yielded value, back to the caller", () => {
    fc.assert(
      fc.property(fc.array(plain, { maxLength: 4 }), fc.integer(), (chatter, answer) => {
        function* callee(): Routine<number> {
          for (const value of chatter) yield value;
          return answer;
        }
        let got: unknown = "nothing yet";
        function* main(): Routine<string> {
          got = yield callee();
          return "main done";
        }
        expect(runTrampolined(main()), "main's own return value").toBe("main done");
        expect(
          got,
          `the callee yielded ${show(chatter)} and returned ${answer}; the caller's yield should give ${answer}`,
        ).toBe(answer);
      }),
    );
  });

  it("evaluates random expression trees like the direct recursive evaluator", () => {
    fc.assert(
      fc.property(expr, (e) => {
        const bad: string[] = [];
        const got = runTrampolined(evaluateRoutine(e, bad));
        expect(bad, "plain yielded values should come straight back").toEqual([]);
        expect(got, `evaluating ${show(e)}`).toBe(evaluate(e));
      }),
    );
  });

  it("runs subroutines 100,000 deep without a stack overflow", () => {
    // Each depth once, on purpose: the shallow ones first, then the one a recursive runner cannot reach.
    for (const n of [0, 1, 2, 100_000]) {
      let got: unknown;
      try {
        got = runTrampolined(depth(n));
      } catch (error) {
        expect.fail(
          `calls ${n} deep failed with ${String(error)}: keep the callers in an array instead of recursing`,
        );
      }
      expect(got, `${n} nested calls, each adding 1 to what its callee returned`).toBe(n);
    }
  });

  it("throws an error from a callee into its caller, where try/catch can handle it", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.nat(29), (levels, pick) => {
        const catchAt = pick % levels; // level 0 is main; the error starts below the deepest level
        const problem = new Error("deep failure");
        const log: string[] = [];
        function* thrower(): Routine<never> {
          yield "about to fail";
          throw problem;
        }
        function* level(k: number): Routine<string> {
          try {
            const result = (yield k === levels - 1 ? thrower() : level(k + 1)) as string;
            log.push(`level ${k} resumed normally`);
            return result;
          } catch (error) {
            if (k !== catchAt) throw error;
            log.push(`level ${k} caught ${(error as Error).message}`);
            return `recovered at ${k}`;
          } finally {
            log.push(`level ${k} finally`);
          }
        }
        let got: string | undefined;
        let escaped: unknown;
        try {
          got = runTrampolined(level(0));
        } catch (error) {
          escaped = error;
        }
        expect(
          escaped,
          `level ${catchAt} catches the callee's error, so it should not escape runTrampolined`,
        ).toBeUndefined();
        const expected = [
          ...Array.from({ length: levels - 1 - catchAt }, (_, i) => `level ${levels - 1 - i} finally`),
          `level ${catchAt} caught deep failure`,
          `level ${catchAt} finally`,
          ...Array.from({ length: catchAt }, (_, i) => [
            `level ${catchAt - 1 - i} resumed normally`,
            `level ${catchAt - 1 - i} finally`,
          ]).flat(),
        ];
        expect(
          log,
          `the error should climb ${levels - 1 - catchAt} levels, running their finally blocks`,
        ).toEqual(expected);
        expect(got, "main returns what the catching level returned").toBe(`recovered at ${catchAt}`);
      }),
      // main calls the thrower itself; the error is caught by the level that called the thrower; by main.
      {
        examples: [
          [1, 0],
          [5, 4],
          [5, 0],
        ],
      },
    );
  });

  it("throws an error nobody catches out of runTrampolined, at the first or the last step", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20 }), fc.constantFrom("first", "last"), (levels, when) => {
        const problem = new Error(`failed at the ${when} step`);
        const finished: number[] = [];
        function* failing(): Routine<never> {
          if (when === "last") yield "a step first";
          throw problem;
        }
        function* level(k: number): Routine<unknown> {
          try {
            return yield k === levels ? failing() : level(k + 1);
          } finally {
            finished.push(k);
          }
        }
        expect(
          thrownBy(() => runTrampolined(level(0))),
          "the uncaught error should come out of runTrampolined",
        ).toBe(problem);
        expect(finished, "every caller's finally should run on the way out, innermost first").toEqual(
          Array.from({ length: levels + 1 }, (_, i) => levels - i),
        );
      }),
      // The callee of main itself fails; and the deepest chain, at either step.
      {
        examples: [
          [0, "first"],
          [0, "last"],
          [20, "first"],
          [20, "last"],
        ],
      },
    );
  });

  it("lets a caller that caught an error carry on and make more calls", () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), (fails) => {
        function* task(i: number, fail: boolean): Routine<number> {
          yield `task ${i}`;
          if (fail) throw new Error(`task ${i} failed`);
          return i;
        }
        function* main(): Routine<string[]> {
          const results: string[] = [];
          for (const [i, fail] of fails.entries()) {
            try {
              results.push(`ok ${(yield task(i, fail)) as number}`);
            } catch (error) {
              results.push((error as Error).message);
            }
          }
          return results;
        }
        expect(runTrampolined(main()), `tasks failing as ${show(fails)}`).toEqual(
          fails.map((fail, i) => (fail ? `task ${i} failed` : `ok ${i}`)),
        );
      }),
    );
  });
});
