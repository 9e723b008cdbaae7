// Mutant: "Number is big enough" — computes the factorials in floating point and converts at the end.
// Exact up to about 20 steps, then silently wrong: 2^53 is far smaller than 40!.
export type Step = string;

export function interleavings(a: readonly Step[], b: readonly Step[]): Step[][] {
  if (a.length === 0) return [[...b]];
  if (b.length === 0) return [[...a]];
  return [
    ...interleavings(a.slice(1), b).map((run) => [a[0]!, ...run]),
    ...interleavings(a, b.slice(1)).map((run) => [b[0]!, ...run]),
  ];
}

function factorial(n: number): number {
  let result = 1;
  for (let i = 2; i <= n; i++) result *= i;
  return result;
}

export function countInterleavings(lengths: readonly number[]): bigint {
  for (const n of lengths) if (!Number.isInteger(n) || n < 0) throw new RangeError(`bad length ${n}`);
  const total = lengths.reduce((sum, n) => sum + n, 0);
  const denominator = lengths.reduce((product, n) => product * factorial(n), 1);
  return BigInt(Math.round(factorial(total) / denominator));
}
