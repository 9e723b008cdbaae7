/**
 * Exercise 03-processes/amdahl — Amdahl's law, fitted to measured speedups.
 *
 * If a fraction s of a job is serial and the rest splits perfectly over n workers, the best speedup is
 * S(n) = 1 / (s + (1 − s) / n), which never exceeds 1 / s however many workers you add. Turned around,
 * measured speedups tell you s, and s tells you where adding workers stops paying.
 *
 * Read first: chapters/03-processes/README.md#profiling-concurrent-programs
 * Check yourself: npm test -- amdahl        Stuck? npm run hint -- amdahl
 */

/** One measurement: the job took 1/speedup of its sequential time on `workers` workers. */
export interface Measurement {
  readonly workers: number;
  readonly speedup: number;
}

function checkFraction(serialFraction: number): void {
  if (!(serialFraction >= 0 && serialFraction <= 1)) {
    throw new RangeError(`the serial fraction must be between 0 and 1, got ${serialFraction}`);
  }
}

function checkWorkers(workers: number): void {
  if (!Number.isInteger(workers) || workers < 1) {
    throw new RangeError(`workers must be a positive integer, got ${workers}`);
  }
}

/**
 * Amdahl's law: the speedup on `workers` workers of a job whose serial fraction is `serialFraction`.
 * RangeError unless 0 ≤ serialFraction ≤ 1 and workers is a positive integer.
 */
export function amdahlSpeedup(serialFraction: number, workers: number): number {
  checkFraction(serialFraction);
  checkWorkers(workers);
  return 1 / (serialFraction + (1 - serialFraction) / workers);
}

/** The speedup no number of workers can exceed: 1 / serialFraction (Infinity when nothing is serial); RangeError as above. */
export function speedupLimit(serialFraction: number): number {
  checkFraction(serialFraction);
  return serialFraction === 0 ? Number.POSITIVE_INFINITY : 1 / serialFraction;
}

/**
 * The serial fraction s that fits the measurements best: Amdahl's law says 1/S − 1/n = s · (1 − 1/n), a
 * line through the origin, so s is the least-squares slope Σ x·y / Σ x² with x = 1 − 1/n and y = 1/S − 1/n,
 * clamped to [0, 1] (a superlinear speedup gives 0; a slowdown gives 1).
 * RangeError for no measurements, none with more than one worker, a workers count that is not a positive
 * integer, or a speedup that is not a positive finite number.
 */
export function fitSerialFraction(measurements: readonly Measurement[]): number {
  let sxy = 0;
  let sxx = 0;
  for (const { workers, speedup } of measurements) {
    checkWorkers(workers);
    if (!(speedup > 0 && Number.isFinite(speedup))) {
      throw new RangeError(`a speedup must be a positive finite number, got ${speedup}`);
    }
    const x = 1 - 1 / workers;
    const y = 1 / speedup - 1 / workers;
    sxy += x * y;
    sxx += x * x;
  }
  // With one worker, x = 0: such a measurement says nothing about s.
  if (sxx === 0) throw new RangeError("fitting needs at least one measurement with more than one worker");
  return Math.min(1, Math.max(0, sxy / sxx));
}
