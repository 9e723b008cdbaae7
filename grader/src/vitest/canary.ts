/**
 * Canaries: checks that must come out a certain way in an honest test process, run after the exercise's
 * tests in the same process. Guards on a list of functions only catch the tricks someone thought of;
 * these catch any weakening that is global: an assertion library that no longer throws, a fast-check
 * that no longer finds a counterexample, a configuration that changed under the tests.
 *
 * The verdict travels to the reporter (outside the sandbox) as metadata of the test file. A missing
 * verdict from a run that otherwise finished means the checks were stopped or removed: also tampering.
 */
import fc from "fast-check";
import { assert, chai, expect } from "vitest";

export const CANARY_META = "courseCanary";

export interface CanaryVerdict {
  readonly ran: true;
  /** What was found weakened; empty when every canary behaved. */
  readonly failures: readonly string[];
}

type Descriptors = ReadonlyMap<PropertyKey, PropertyDescriptor | undefined>;

interface Baseline {
  readonly assertion: Descriptors;
  readonly assert: Descriptors;
  readonly fastCheck: Readonly<Record<string, unknown>>;
}

function descriptorsOf(target: object): Descriptors {
  return new Map(Reflect.ownKeys(target).map((key) => [key, Object.getOwnPropertyDescriptor(target, key)]));
}

/** Record, before any test code runs, what the canaries compare against. */
export function takeBaseline(): Baseline {
  return {
    assertion: descriptorsOf(chai.Assertion.prototype),
    assert: descriptorsOf(assert),
    fastCheck: { ...fc.readConfigureGlobal() },
  };
}

function changedKeys(name: string, before: Descriptors, target: object): string[] {
  const now = descriptorsOf(target);
  const same = (a: PropertyDescriptor | undefined, b: PropertyDescriptor | undefined) =>
    a?.value === b?.value && a?.get === b?.get && a?.set === b?.set;
  const keys = new Set([...before.keys(), ...now.keys()]);
  return [...keys]
    .filter((key) => !same(before.get(key), now.get(key)))
    .map((key) => `${name}.${String(key)}`);
}

/** Each entry must throw (or reject) in an honest process. */
const MUST_FAIL: ReadonlyArray<readonly [string, () => unknown]> = [
  ["expect().toBe", () => expect(1).toBe(2)],
  ["expect().toEqual", () => expect({ a: [1] }).toEqual({ a: [2] })],
  ["expect().toStrictEqual", () => expect([1]).toStrictEqual([2])],
  ["expect().toThrow", () => expect(() => undefined).toThrow()],
  ["expect().toBeLessThan", () => expect(2).toBeLessThan(1)],
  ["expect().resolves", () => expect(Promise.resolve(1)).resolves.toBe(2)],
  ["assert.strictEqual", () => assert.strictEqual(1, 2)],
  ["expect().toContain", () => expect([1, 2]).toContain(3)],
  ["expect().toMatchObject", () => expect({ a: 1, b: 2 }).toMatchObject({ a: 2 })],
  ["fc.assert of a false property", () => fc.assert(fc.property(fc.nat(), (n) => n < 0))],
  ["fc.assert of a false async property", () => fc.assert(fc.asyncProperty(fc.nat(), async (n) => n < 0))],
];

/** Run every canary; the failures say what no longer behaves as it must. */
export async function runCanaries(baseline: Baseline): Promise<CanaryVerdict> {
  const failures: string[] = [
    ...changedKeys("chai.Assertion.prototype", baseline.assertion, chai.Assertion.prototype),
    ...changedKeys("assert", baseline.assert, assert),
  ].map((key) => `${key} was replaced`);
  const config = fc.readConfigureGlobal() as Record<string, unknown>;
  for (const key of new Set([...Object.keys(baseline.fastCheck), ...Object.keys(config)])) {
    if (!Object.is(config[key], baseline.fastCheck[key]))
      failures.push(`fast-check's global setting "${key}" was changed`);
  }
  for (const [name, check] of MUST_FAIL) {
    let threw = false;
    try {
      await check();
    } catch {
      threw = true;
    }
    if (!threw) failures.push(`${name} no longer fails on a wrong value`);
  }
  if (fc.check(fc.property(fc.nat(), (n) => n < 0)).failed !== true)
    failures.push("fc.check no longer finds a counterexample");
  return { ran: true, failures };
}
