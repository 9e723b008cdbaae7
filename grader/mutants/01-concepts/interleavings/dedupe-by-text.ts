// Mutant: "remove duplicates" — removes runs that read the same, so two threads that both "load x" seem to
// have fewer interleavings than they do. Steps are different events even when their text is equal.
export type Step = string;

function merge(a: readonly Step[], b: readonly Step[]): Step[][] {
  if (a.length === 0) return [[...b]];
  if (b.length === 0) return [[...a]];
  return [
    ...merge(a.slice(1), b).map((run) => [a[0]!, ...run]),
    ...merge(a, b.slice(1)).map((run) => [b[0]!, ...run]),
  ];
}

export function interleavings(a: readonly Step[], b: readonly Step[]): Step[][] {
  const seen = new Set<string>();
  return merge(a, b).filter((run) => {
    const key = JSON.stringify(run);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
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
