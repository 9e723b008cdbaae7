// Mutant: "a thread runs all at once" — only considers the two runs where one thread goes first and the
// other after it, missing every run where the scheduler switches in the middle.
export type Step = string;

export function interleavings(a: readonly Step[], b: readonly Step[]): Step[][] {
  const ab = [...a, ...b];
  const ba = [...b, ...a];
  return ab.join("\u0000") === ba.join("\u0000") && (a.length === 0 || b.length === 0) ? [ab] : [ab, ba];
}

export function countInterleavings(lengths: readonly number[]): bigint {
  for (const n of lengths) if (!Number.isInteger(n) || n < 0) throw new RangeError(`bad length ${n}`);
  const busy = lengths.filter((n) => n > 0).length;
  return busy <= 1 ? 1n : BigInt(busy * (busy - 1));
}
