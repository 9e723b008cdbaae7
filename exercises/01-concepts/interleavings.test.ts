import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { countInterleavings, interleavings, type Step } from "./interleavings.ts";

/** A thread of 0–4 steps named after it: thread("a") may give ["a1", "a2"]. */
const thread = (name: string) =>
  fc.integer({ min: 0, max: 4 }).map((n) => Array.from({ length: n }, (_, i) => `${name}${i + 1}`));

/** Steps that repeat the same text, so only their positions tell them apart. */
const lookalikeThread = fc.array(fc.constantFrom("load x", "store x"), { maxLength: 4 });

/** C(n, k) by Pascal's rule: the test's own oracle, small numbers only. */
function choose(n: number, k: number): number {
  const row = [1];
  for (let i = 1; i <= n; i++) {
    for (let j = i; j > 0; j--) row[j] = (row[j] ?? 0) + row[j - 1]!;
  }
  return row[k]!;
}

const only = (run: readonly Step[], prefix: string) => run.filter((step) => step.startsWith(prefix));

/**
 * Step text is any text: especially the characters an implementation might join steps with or split
 * them at, and the empty string.
 */
const awkwardSteps = ["", ",", " ", "|", "\n", "a1,b1", "load x", "load x; store x", "→"];
const anyStep = fc.oneof(fc.constantFrom(...awkwardSteps), fc.string({ maxLength: 5 }));
const anyThread = fc.array(anyStep, { maxLength: 4 });

/**
 * The test's own oracle, a different algorithm from the recursion: every choice of which positions of
 * the run hold a's steps (as bits of a number) gives one run. Each run as JSON, sorted, so two lists of
 * runs compare as multisets whatever the text.
 */
function runsByPositions(a: readonly Step[], b: readonly Step[]): string[] {
  const length = a.length + b.length;
  const runs: string[] = [];
  for (let mask = 0; mask < 2 ** length; mask++) {
    const positions = [...Array(length).keys()].filter((i) => (mask >> i) & 1);
    if (positions.length !== a.length) continue;
    let [i, j] = [0, 0];
    runs.push(JSON.stringify(Array.from({ length }, (_, k) => (positions.includes(k) ? a[i++] : b[j++]))));
  }
  return runs.sort();
}

describe("interleavings", () => {
  it("keeps each thread's steps in program order", () => {
    fc.assert(
      fc.property(thread("a"), thread("b"), (a, b) => {
        const runs = interleavings(a, b);
        expect(runs.length, "two threads, even empty ones, interleave in at least one run").toBeGreaterThan(
          0,
        );
        for (const run of runs) {
          expect(run, "each run holds every step of both threads, once").toHaveLength(a.length + b.length);
          expect(only(run, "a"), "thread a's steps, in a's own order").toEqual(a);
          expect(only(run, "b"), "thread b's steps, in b's own order").toEqual(b);
        }
      }),
    );
  });

  it("lists every interleaving exactly once", () => {
    fc.assert(
      fc.property(thread("a"), thread("b"), (a, b) => {
        const runs = interleavings(a, b).map((run) => run.join(" "));
        expect(new Set(runs).size, "no run is listed twice").toBe(runs.length);
        expect(runs, "one run for each way to place a's steps among all the steps").toHaveLength(
          choose(a.length + b.length, a.length),
        );
      }),
    );
  });

  it("tells steps apart by position, not by their text", () => {
    // Any text: repeated steps, empty ones, and the characters a run joined into a string would split at.
    fc.assert(
      fc.property(fc.oneof(lookalikeThread, anyThread), fc.oneof(lookalikeThread, anyThread), (a, b) => {
        const runs = interleavings(a, b);
        expect(runs, "one run per choice of positions for a's steps").toHaveLength(
          choose(a.length + b.length, a.length),
        );
        expect(
          runs.map((run) => JSON.stringify(run)).sort(),
          "the runs, each step exactly as it was given",
        ).toEqual(runsByPositions(a, b));
      }),
      {
        examples: [
          [["x"], ["x"]],
          [["a1,b1"], ["b2"]],
          [[""], [","]],
          [
            [" ", "\n"],
            ["|", ""],
          ],
        ],
      },
    );
  });

  it("does not change the threads it is given", () => {
    fc.assert(
      fc.property(thread("a"), thread("b"), (a, b) => {
        const [aBefore, bBefore] = [[...a], [...b]];
        interleavings(Object.freeze(a), Object.freeze(b));
        expect([a, b], "the threads as they were given").toEqual([aBefore, bBefore]);
      }),
    );
  });
});

describe("countInterleavings", () => {
  const length = fc.integer({ min: 0, max: 40 });

  it("agrees with the number of interleavings listed", () => {
    fc.assert(
      fc.property(thread("a"), thread("b"), (a, b) => {
        expect(
          countInterleavings([a.length, b.length]),
          "the count equals the number of runs interleavings lists",
        ).toBe(BigInt(interleavings(a, b).length));
      }),
    );
  });

  it("is 1 for no threads, one thread, or threads with no steps", () => {
    fc.assert(
      fc.property(length, fc.array(fc.constant(0), { maxLength: 3 }), (n, zeros) => {
        expect(countInterleavings([]), "no threads have one (empty) run").toBe(1n);
        expect(countInterleavings([n, ...zeros]), "one thread, with or without empty ones, has one run").toBe(
          1n,
        );
      }),
    );
  });

  it("follows Pascal's rule exactly, even past Number's precision", () => {
    fc.assert(
      fc.property(length, length, (a, b) => {
        fc.pre(a > 0 && b > 0);
        expect(
          countInterleavings([a, b]),
          `count(${a}, ${b}) should be count(${a - 1}, ${b}) + count(${a}, ${b - 1}), exactly`,
        ).toBe(countInterleavings([a - 1, b]) + countInterleavings([a, b - 1]));
      }),
      {
        examples: [
          [40, 40],
          [30, 31],
        ],
      },
    );
  });

  it("composes thread by thread: count(a, b, c) = count(a, b) · count(a + b, c)", () => {
    fc.assert(
      fc.property(length, length, length, (a, b, c) => {
        expect(
          countInterleavings([a, b, c]),
          `count(${a}, ${b}, ${c}) should be count(${a}, ${b}) · count(${a + b}, ${c})`,
        ).toBe(countInterleavings([a, b]) * countInterleavings([a + b, c]));
      }),
    );
  });

  it("does not depend on the order of the threads", () => {
    fc.assert(
      fc.property(fc.array(length, { maxLength: 5 }), (lengths) => {
        const count = countInterleavings(lengths);
        expect(countInterleavings([...lengths].reverse()), "the same threads in reverse order").toBe(count);
        expect(countInterleavings([...lengths].sort((x, y) => x - y)), "the same threads, sorted").toBe(
          count,
        );
      }),
    );
  });

  it("rejects a length that is not a non-negative integer with a RangeError naming it", () => {
    // The values a hand-written check forgets, tried in every run: Infinity passes `Math.trunc(n) === n`,
    // NaN fails every comparison, -1 and fractions sit right at the edges.
    const edges = [-1, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, 0.5, -0.5, 2.5, 1e-9];
    const bad = fc.oneof(fc.constantFrom(...edges), fc.integer({ max: -1 }), fc.double({ noInteger: true }));
    fc.assert(
      fc.property(fc.array(length, { maxLength: 3 }), bad, (good, wrong) => {
        let error: unknown = "nothing was thrown";
        try {
          countInterleavings([...good, wrong]);
        } catch (thrown) {
          error = thrown;
        }
        expect(error, `a thread of length ${wrong} should be refused with a RangeError`).toBeInstanceOf(
          RangeError,
        );
        expect(
          (error as Error).message,
          `the RangeError's message should name the bad length, ${wrong}`,
        ).toContain(String(wrong));
      }),
      { examples: edges.map((edge) => [[2], edge]) },
    );
  });
});
