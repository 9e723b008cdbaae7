/** The canaries must stay quiet in an honest process and speak up for any global weakening. */
import fc from "fast-check";
import { afterEach, chai, describe, expect, it } from "vitest";
import { runCanaries, takeBaseline } from "../src/vitest/canary.ts";

const undo: Array<() => void> = [];
afterEach(() => {
  while (undo.length > 0) undo.pop()!();
});

function replace<T extends object, K extends keyof T>(owner: T, key: K, value: T[K]): void {
  const original = Object.getOwnPropertyDescriptor(owner, key)!;
  Object.defineProperty(owner, key, { ...original, value });
  undo.push(() => Object.defineProperty(owner, key, original));
}

describe("runCanaries", () => {
  it("finds nothing in an honest process", async () => {
    const baseline = takeBaseline();
    expect((await runCanaries(baseline)).failures).toEqual([]);
  });

  it("notices an assertion library whose assert does nothing", async () => {
    const baseline = takeBaseline();
    replace(chai.Assertion.prototype, "assert", () => undefined);
    const { failures } = await runCanaries(baseline);
    expect(failures).toContain("chai.Assertion.prototype.assert was replaced");
    expect(failures.some((f) => /expect\(\)\.toBe no longer fails/.test(f))).toBe(true);
  });

  it("notices fast-check told to run no cases, and a fast-check that finds no counterexample", async () => {
    const baseline = takeBaseline();
    const previous = fc.readConfigureGlobal();
    fc.configureGlobal({ ...previous, numRuns: 0 });
    undo.push(() => fc.configureGlobal(previous));
    const { failures } = await runCanaries(baseline);
    expect(failures).toContain(`fast-check's global setting "numRuns" was changed`);
    expect(failures).toContain("fc.assert of a false property no longer fails on a wrong value");
  });

  it("notices a matcher made to agree with anything", async () => {
    const baseline = takeBaseline();
    expect.extend({ toEqual: () => ({ pass: true, message: () => "" }) });
    const { failures } = await runCanaries(baseline);
    expect(failures).toContain("expect().toEqual no longer fails on a wrong value");
  });
});
