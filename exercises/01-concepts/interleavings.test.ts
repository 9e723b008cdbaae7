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

describe("interleavings", () => {
  it("keeps each thread's steps in program order", () => {
    fc.assert(
      fc.property(thread("a"), thread("b"), (a, b) => {
        const runs = interleavings(a, b);
        expect(runs.length).toBeGreaterThan(0);
        for (const run of runs) {
          expect(run).toHaveLength(a.length + b.length);
          expect(only(run, "a")).toEqual(a);
          expect(only(run, "b")).toEqual(b);
        }
      }),
    );
  });

  it("lists every interleaving exactly once", () => {
    fc.assert(
      fc.property(thread("a"), thread("b"), (a, b) => {
        const runs = interleavings(a, b).map((run) => run.join(" "));
        expect(new Set(runs).size).toBe(runs.length);
        expect(runs).toHaveLength(choose(a.length + b.length, a.length));
      }),
    );
  });

  it("tells steps apart by position, not by their text", () => {
    fc.assert(
      fc.property(lookalikeThread, lookalikeThread, (a, b) => {
        expect(interleavings(a, b)).toHaveLength(choose(a.length + b.length, a.length));
      }),
    );
  });

  it("does not change the threads it is given", () => {
    fc.assert(
      fc.property(thread("a"), thread("b"), (a, b) => {
        const [aBefore, bBefore] = [[...a], [...b]];
        interleavings(Object.freeze(a), Object.freeze(b));
        expect([a, b]).toEqual([aBefore, bBefore]);
      }),
    );
  });
});

describe("countInterleavings", () => {
  const length = fc.integer({ min: 0, max: 40 });

  it("agrees with the number of interleavings listed", () => {
    fc.assert(
      fc.property(thread("a"), thread("b"), (a, b) => {
        expect(countInterleavings([a.length, b.length])).toBe(BigInt(interleavings(a, b).length));
      }),
    );
  });

  it("is 1 for no threads, one thread, or threads with no steps", () => {
    fc.assert(
      fc.property(length, fc.array(fc.constant(0), { maxLength: 3 }), (n, zeros) => {
        expect(countInterleavings([])).toBe(1n);
        expect(countInterleavings([n, ...zeros])).toBe(1n);
      }),
    );
  });

  it("follows Pascal's rule exactly, even past Number's precision", () => {
    fc.assert(
      fc.property(length, length, (a, b) => {
        fc.pre(a > 0 && b > 0);
        expect(countInterleavings([a, b])).toBe(
          countInterleavings([a - 1, b]) + countInterleavings([a, b - 1]),
        );
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
        expect(countInterleavings([a, b, c])).toBe(
          countInterleavings([a, b]) * countInterleavings([a + b, c]),
        );
      }),
    );
  });

  it("does not depend on the order of the threads", () => {
    fc.assert(
      fc.property(fc.array(length, { maxLength: 5 }), (lengths) => {
        expect(countInterleavings([...lengths].reverse())).toBe(countInterleavings(lengths));
        expect(countInterleavings([...lengths].sort((x, y) => x - y))).toBe(countInterleavings(lengths));
      }),
    );
  });

  it("rejects a length that is not a non-negative integer with a RangeError", () => {
    const bad = fc.oneof(fc.integer({ max: -1 }), fc.double({ noInteger: true }), fc.constant(Number.NaN));
    fc.assert(
      fc.property(fc.array(length, { maxLength: 3 }), bad, (good, wrong) => {
        expect(() => countInterleavings([...good, wrong])).toThrow(RangeError);
      }),
    );
  });
});
