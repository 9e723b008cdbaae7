// Mutant: "nothing left, no runs" — the recursion's base case returns no runs instead of one run, so every
// branch that reaches an empty thread vanishes and almost nothing is listed.
export type Step = string;

export function interleavings(a: readonly Step[], b: readonly Step[]): Step[][] {
  if (a.length === 0 && b.length === 0) return [];
  if (a.length === 0) return [[...b]];
  if (b.length === 0) return [[...a]];
  return [
    ...interleavings(a.slice(1), b).map((run) => [a[0]!, ...run]),
    ...interleavings(a, b.slice(1)).map((run) => [b[0]!, ...run]),
  ];
}

export function countInterleavings(lengths: readonly number[]): bigint {
  for (const n of lengths) if (!Number.isInteger(n) || n < 0) throw new RangeError(`bad length ${n}`);
  let count = 1n;
  let total = 0;
  for (const n of lengths) {
    for (let i = 1; i <= n; i++) count = (count * BigInt(total + i)) / BigInt(i);
    total += n;
  }
  return count;
}
