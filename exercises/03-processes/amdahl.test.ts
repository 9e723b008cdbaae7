import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { amdahlSpeedup, fitSerialFraction, type Measurement, speedupLimit } from "./amdahl.ts";

/** Serial fractions, with the edges on purpose. */
const fraction = fc.oneof(
  fc.constantFrom(0, -0, 1, 0.5, 0.05, 1e-9),
  fc.double({ min: 0, max: 1, noNaN: true }),
);
const workers = fc.oneof(fc.constantFrom(1, 2, 64, 1024), fc.integer({ min: 1, max: 256 }));
const close = (a: number, b: number, tolerance = 1e-9) =>
  Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(b));

/** The quantity the fit minimizes: squared distances of 1/S − 1/n from s · (1 − 1/n). */
function objective(measurements: readonly Measurement[], s: number): number {
  return measurements.reduce((sum, { workers: n, speedup }) => {
    const d = 1 / speedup - 1 / n - s * (1 - 1 / n);
    return sum + d * d;
  }, 0);
}

describe("amdahlSpeedup", () => {
  it("is n with nothing serial, 1 with everything serial, and 1 on one worker", () => {
    fc.assert(
      fc.property(fraction, workers, (s, n) => {
        expect(amdahlSpeedup(0, n), `with s = 0, ${n} workers give a speedup of ${n}`).toBeCloseTo(n, 9);
        expect(amdahlSpeedup(1, n), "with s = 1, no number of workers helps").toBeCloseTo(1, 12);
        expect(amdahlSpeedup(s, 1), `one worker gives a speedup of 1 (s = ${s})`).toBeCloseTo(1, 12);
      }),
    );
  });

  it("is 1 / (s + (1 − s) / n): more workers help, up to the limit 1 / s", () => {
    fc.assert(
      fc.property(fraction, workers, (s, n) => {
        const speedup = amdahlSpeedup(s, n);
        expect(
          close(speedup, 1 / (s + (1 - s) / n)),
          `amdahlSpeedup(${s}, ${n}) should be 1 / (s + (1 − s) / n)`,
        ).toBe(true);
        expect(
          amdahlSpeedup(s, n + 1),
          `adding a worker never lowers the speedup (s = ${s}, n = ${n})`,
        ).toBeGreaterThanOrEqual(speedup * (1 - 1e-12));
        expect(speedup, `the speedup never exceeds speedupLimit(${s})`).toBeLessThanOrEqual(
          speedupLimit(s) * (1 + 1e-12),
        );
      }),
    );
    expect(amdahlSpeedup(0.05, 2), "s = 0.05 on 2 workers: about 1.9").toBeCloseTo(1.9048, 3);
    expect(amdahlSpeedup(0.05, 8), "s = 0.05 on 8 workers: about 5.9").toBeCloseTo(5.9259, 3);
    expect(amdahlSpeedup(0.05, 1000), "s = 0.05 on 1000 workers: under 20").toBeCloseTo(19.627, 2);
  });

  it("refuses a serial fraction outside [0, 1] and a workers count that is not a positive integer", () => {
    for (const s of [-0.1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => amdahlSpeedup(s, 2), `amdahlSpeedup(${s}, 2) should throw a RangeError`).toThrow(
        RangeError,
      );
      expect(() => speedupLimit(s), `speedupLimit(${s}) should throw a RangeError`).toThrow(RangeError);
    }
    for (const n of [0, -0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => amdahlSpeedup(0.1, n), `amdahlSpeedup(0.1, ${n}) should throw a RangeError`).toThrow(
        RangeError,
      );
    }
  });
});

describe("speedupLimit", () => {
  it("is 1 / s, and Infinity when nothing is serial", () => {
    expect(speedupLimit(0), "with nothing serial there is no limit").toBe(Number.POSITIVE_INFINITY);
    expect(speedupLimit(-0), "-0 is nothing serial too: the limit is Infinity, not -Infinity").toBe(
      Number.POSITIVE_INFINITY,
    );
    fc.assert(
      fc.property(fc.double({ min: 1e-6, max: 1, noNaN: true }), (s) => {
        expect(close(speedupLimit(s), 1 / s), `speedupLimit(${s}) should be 1 / s`).toBe(true);
      }),
    );
  });
});

describe("fitSerialFraction", () => {
  const counts = fc.uniqueArray(workers, { minLength: 1, maxLength: 6 });

  it("recovers the serial fraction from speedups that follow Amdahl's law exactly", () => {
    fc.assert(
      fc.property(fraction, counts, fc.boolean(), (s, ns, withOne) => {
        const all = withOne ? [1, ...ns.filter((n) => n > 1)] : ns;
        fc.pre(all.some((n) => n > 1));
        const measured = all.map((n) => ({ workers: n, speedup: amdahlSpeedup(s, n) }));
        expect(
          fitSerialFraction(measured),
          `speedups made with s = ${s} on ${all.join(", ")} workers`,
        ).toBeCloseTo(s, 9);
      }),
    );
  });

  it("minimizes the squared error of 1/S − 1/n against s · (1 − 1/n) for noisy measurements", () => {
    const noisy = fc.array(
      fc.record({
        workers: fc.integer({ min: 2, max: 16 }),
        noise: fc.double({ min: 0.7, max: 1.3, noNaN: true }),
      }),
      { minLength: 2, maxLength: 8 },
    );
    fc.assert(
      fc.property(fc.double({ min: 0.05, max: 0.6, noNaN: true }), noisy, (s, points) => {
        const measured = points.map(({ workers: n, noise }) => ({
          workers: n,
          speedup: amdahlSpeedup(s, n) * noise,
        }));
        const fit = fitSerialFraction(measured);
        fc.pre(fit > 1e-3 && fit < 1 - 1e-3);
        for (const delta of [1e-3, -1e-3, 0.05, -0.05]) {
          expect(
            objective(measured, fit),
            `the fit ${fit} should have the least squared error; ${fit + delta} does better`,
          ).toBeLessThanOrEqual(objective(measured, fit + delta) + 1e-15);
        }
      }),
    );
  });

  it("does not depend on the order of the measurements, and ignores those on one worker", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ workers, speedup: fc.double({ min: 0.5, max: 300, noNaN: true }) }), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.double({ min: 0.2, max: 5, noNaN: true }),
        (measured, oneWorkerSpeedup) => {
          fc.pre(measured.some((m) => m.workers > 1));
          const fit = fitSerialFraction(measured);
          expect(
            fitSerialFraction([...measured].reverse()),
            "the order of the measurements must not matter",
          ).toBeCloseTo(fit, 12);
          expect(
            fitSerialFraction([...measured, { workers: 1, speedup: oneWorkerSpeedup }]),
            "a measurement on one worker says nothing about s",
          ).toBeCloseTo(fit, 12);
          expect(fit, "the fit is a fraction").toBeGreaterThanOrEqual(0);
          expect(fit, "the fit is a fraction").toBeLessThanOrEqual(1);
        },
      ),
    );
  });

  it("clamps to [0, 1]: a superlinear speedup fits 0, a slowdown fits 1", () => {
    expect(
      fitSerialFraction([{ workers: 2, speedup: 2.5 }]),
      "2.5× on 2 workers is better than Amdahl allows",
    ).toBe(0);
    expect(fitSerialFraction([{ workers: 4, speedup: 0.8 }]), "a slowdown means everything is serial").toBe(
      1,
    );
    expect(fitSerialFraction([{ workers: 2, speedup: 2 }]), "a perfect speedup means nothing is serial").toBe(
      0,
    );
  });

  it("refuses measurements it cannot fit", () => {
    const bad: [string, Measurement[]][] = [
      ["no measurements", []],
      ["only one worker", [{ workers: 1, speedup: 1 }]],
      [
        "0 workers",
        [
          { workers: 0, speedup: 1 },
          { workers: 2, speedup: 1.5 },
        ],
      ],
      [
        "several measurements, all on one worker",
        [
          { workers: 1, speedup: 1 },
          { workers: 1, speedup: 0.9 },
        ],
      ],
      ["1.5 workers", [{ workers: 1.5, speedup: 1.2 }]],
      [
        "NaN workers",
        [
          { workers: Number.NaN, speedup: 1 },
          { workers: 2, speedup: 1.5 },
        ],
      ],
      ["Infinity workers", [{ workers: Number.POSITIVE_INFINITY, speedup: 3 }]],
      ["a speedup of -0", [{ workers: 2, speedup: -0 }]],
      ["a speedup of 0", [{ workers: 2, speedup: 0 }]],
      ["a negative speedup", [{ workers: 2, speedup: -1 }]],
      ["an infinite speedup", [{ workers: 2, speedup: Number.POSITIVE_INFINITY }]],
      ["a NaN speedup", [{ workers: 2, speedup: Number.NaN }]],
    ];
    for (const [what, measured] of bad) {
      expect(
        () => fitSerialFraction(measured),
        `fitSerialFraction with ${what} should throw a RangeError`,
      ).toThrow(RangeError);
    }
  });
});
