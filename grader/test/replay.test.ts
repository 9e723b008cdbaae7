/** One line replays a failure: the token, the test filter, and the whole loop from failure to replay. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { allExercises, loadCourse } from "../src/manifest.ts";
import { materializeMutant } from "../src/mutants.ts";
import { repoRoot, tsxCli } from "../src/paths.ts";
import {
  counterexampleOf,
  decodeReplay,
  encodeReplay,
  failedCase,
  ReplayTokenError,
  testNamePattern,
} from "../src/replay.ts";
import { loadSignatures, mutantName } from "../src/signatures.ts";

describe("replay tokens", () => {
  it("carry any test name, seed and path there and back", () => {
    fc.assert(
      fc.property(fc.string(), fc.integer(), fc.stringMatching(/^[0-9:]*$/), (test, seed, path) => {
        expect(decodeReplay(encodeReplay({ test, seed, path }))).toEqual({ test, seed, path });
      }),
    );
  });

  it("refuse a token that is not one, saying where to find a real one", () => {
    expect(() => decodeReplay("not-a-token")).toThrow(ReplayTokenError);
    expect(() => decodeReplay("not-a-token")).toThrow(/copy the whole token/);
  });

  it("read fast-check's seed and path from a failure", () => {
    expect(
      failedCase('Property failed after 3 tests\n{ seed: -42, path: "2:0:1", endOnFailure: true }'),
    ).toEqual({
      seed: -42,
      path: "2:0:1",
    });
    expect(failedCase("expected 1 to be 2")).toBeUndefined();
  });

  it("read fast-check's counterexample from a failure, over several lines, and nothing from other failures", () => {
    const failure = [
      "Property failed after 3 tests",
      '{ seed: 42, path: "2:0" }',
      "Counterexample: [microtask pauses:",
      "  caller 0 arrives: 1 microtask,[3,1]]",
      "Shrunk 4 time(s)",
      "",
      "Caused by: AssertionError: 2 callers held the lock at once",
    ].join("\n");
    expect(counterexampleOf(failure)).toBe("[microtask pauses:\n  caller 0 arrives: 1 microtask,[3,1]]");
    expect(counterexampleOf("AssertionError: expected 2 to be 1")).toBeUndefined();
  });

  it("match exactly the named test, whatever characters its name has", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (suite, test) => {
        const pattern = new RegExp(testNamePattern(`${suite} > ${test}`));
        expect(pattern.test(`${suite} ${test}`)).toBe(true);
        expect(pattern.test(`${suite} ${test}x`)).toBe(false);
      }),
    );
  });
});

describe("npm test -- <exercise> --replay <token>", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "course-replay-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("prints a replay line for a failed property, and the line reproduces the same counterexample", () => {
    const exercise = allExercises(loadCourse()).find((e) => e.id === "01-concepts/async-mutex")!;
    const mutant = exercise.mutants[2]!;
    materializeMutant(exercise, mutant, dir);
    const npmTest = (...args: string[]) =>
      spawnSync(process.execPath, [tsxCli, "grader/src/cli.ts", "test", ...args], {
        cwd: repoRoot,
        encoding: "utf8",
        env: { ...process.env, COURSE_TARGET: dir, NO_COLOR: "1", COURSE_SEED: "" },
      });
    const first = npmTest("async-mutex");
    const line = /npm test -- async-mutex --replay (\S+)/.exec(first.stdout);
    expect(line, first.stdout.slice(-2000)).not.toBeNull();
    // A known mistake is named as well, as the grade names it.
    const signature = loadSignatures().find(
      (s) => s.exercise === exercise.id && s.mutant === mutantName(mutant),
    );
    expect(signature, `${mutant.file} has a recorded signature`).toBeDefined();
    expect(first.stdout).toContain(`async-mutex: It looks like ${signature!.nudge}.`);
    const replayed = npmTest("async-mutex", "--replay", line![1]!);
    const seedAndPath = (out: string) => /\{ seed: -?\d+, path: "[0-9:]*"/.exec(out)?.[0];
    const { test } = decodeReplay(line![1]!);
    expect(replayed.stdout).toMatch(/1 failed \| \d+ skipped/);
    expect(seedAndPath(replayed.stdout)).toBe(seedAndPath(first.stdout.slice(first.stdout.indexOf(test))));
  });
});
