/**
 * Exercise 01-concepts/interleavings — enumerate the interleavings of two threads.
 *
 * Two threads each run their steps in program order, but a preemptive scheduler may switch between them
 * after any step. Every possible run is an *interleaving*: a merge of the two step lists that keeps each
 * thread's own order. Listing them all is how you reason about a race by hand, and counting them shows why
 * testing "a few runs" proves so little.
 *
 * Read first: chapters/01-concepts/README.md#interleavings
 * Check yourself: npm test -- interleavings        Stuck? npm run hint -- interleavings
 */

/** One step of a thread, e.g. "load x" or "store x". */
export type Step = string;

/**
 * Every merge of `a` and `b` that keeps the order of `a` and the order of `b`, each exactly once, in any order.
 *
 * Steps are told apart by their position, not their text: `interleavings(["x"], ["x"])` has two results.
 * A step may hold any text, "" and "a, b" included, and comes back exactly as it was given.
 *
 * @example interleavings(["a1", "a2"], ["b1"])
 *   // → [["a1", "a2", "b1"], ["a1", "b1", "a2"], ["b1", "a1", "a2"]]
 */
export function interleavings(a: readonly Step[], b: readonly Step[]): Step[][] {
  // Either thread may run first; whatever it ran, the rest is a smaller merge of the same kind.
  if (a.length === 0) return [[...b]];
  if (b.length === 0) return [[...a]];
  const [aFirst, ...aRest] = a as [Step, ...Step[]];
  const [bFirst, ...bRest] = b as [Step, ...Step[]];
  return [
    ...interleavings(aRest, b).map((run) => [aFirst, ...run]),
    ...interleavings(a, bRest).map((run) => [bFirst, ...run]),
  ];
}

/**
 * How many interleavings threads of these lengths have, exactly:
 * (n1 + n2 + … + nk)! / (n1! · n2! · … · nk!).
 *
 * @throws RangeError unless every length is a non-negative integer; its message names the bad length.
 * @example countInterleavings([2, 1]) // → 3n
 */
export function countInterleavings(lengths: readonly number[]): bigint {
  for (const n of lengths) {
    if (!Number.isInteger(n) || n < 0)
      throw new RangeError(`a thread length must be a non-negative integer, got ${n}`);
  }
  // Add the threads one at a time: placing n more steps among `total` gives C(total + n, n) ways.
  // bigint, because 34! already has more digits than a Number keeps exactly.
  let count = 1n;
  let total = 0;
  for (const n of lengths) {
    count *= binomial(total + n, n);
    total += n;
  }
  return count;
}

function binomial(n: number, k: number): bigint {
  let result = 1n;
  for (let i = 1; i <= k; i++) result = (result * BigInt(n - k + i)) / BigInt(i);
  return result;
}
