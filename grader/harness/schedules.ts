/**
 * Choices for controlled interleavings (interleave.ts), as fast-check arbitraries.
 *
 * Plain random choices switch threads at almost every step, so a bug that needs one thread to run several
 * steps in a row while another stands still (a consumer reading a slot between a producer's two writes)
 * is rarely hit. Loom's observation is that few preemptions find most bugs; "bursts" give exactly that:
 * the same choice repeated a few times, so one thread runs on while the others wait. Both shrink.
 */
import fc from "fast-check";

export interface ScheduleOptions {
  /** Largest choice value; choices are taken modulo the number of runnable threads. Default 7. */
  readonly maxChoice?: number;
  /** Most choices in a plain schedule. Default 80. */
  readonly maxLength?: number;
}

/** Random choices, or bursts of one choice repeated 1 to 8 times. */
export function scheduleChoices({
  maxChoice = 7,
  maxLength = 80,
}: ScheduleOptions = {}): fc.Arbitrary<number[]> {
  const plain = fc.array(fc.nat({ max: maxChoice }), { maxLength });
  const bursts = fc
    .array(fc.tuple(fc.nat({ max: maxChoice }), fc.integer({ min: 1, max: 8 })), {
      maxLength: Math.ceil(maxLength / 4),
    })
    .map((runs) => runs.flatMap(([choice, times]) => Array.from({ length: times }, () => choice)));
  return fc.oneof(plain, bursts);
}
