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
  // TODO: the first step of a run comes from `a` or from `b`; what is left to merge after that?
  //       See chapters/01-concepts/README.md#interleavings
  throw new Error(`TODO: interleavings(${a.length} steps, ${b.length} steps) is not implemented yet`);
}

/**
 * How many interleavings threads of these lengths have, exactly:
 * (n1 + n2 + … + nk)! / (n1! · n2! · … · nk!).
 *
 * @throws RangeError unless every length is a non-negative integer; its message names the bad length.
 * @example countInterleavings([2, 1]) // → 3n
 */
export function countInterleavings(lengths: readonly number[]): bigint {
  // TODO: the numbers outgrow Number quickly; compute with bigint.
  //       See chapters/01-concepts/README.md#interleavings
  throw new Error(`TODO: countInterleavings([${lengths.join(", ")}]) is not implemented yet`);
}
