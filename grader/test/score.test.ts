import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Exercise } from "../src/manifest.ts";
import type { IsolatedRunLike, TestOutcome } from "../src/run/results.ts";
import {
  displayTestName,
  type Evidence,
  EXERCISE_STATUSES,
  scoreExercise,
  shortTestName,
  vitestTestName,
} from "../src/score.ts";

const exercise: Exercise = {
  id: "01-concepts/sample",
  title: "Sample",
  difficulty: "easy",
  files: ["exercises/01-concepts/sample.ts"],
  test: "exercises/01-concepts/sample.test.ts",
  given: [],
  capabilities: [],
  points: 6,
  tests: { "s > one": 1, "s > two": 2, "s > three": 3 },
  hints: ["first hint, long enough", "second hint, long enough"],
  notes: "chapters/01-concepts/README.md#sample",
  mutants: [],
};
const names = Object.keys(exercise.tests);
const file = { file: exercise.files[0]!, absolute: "/x/sample.ts", exists: true };

const outcome = (name: string, state: TestOutcome["state"], message = "expected 1 to be 2"): TestOutcome => ({
  file: exercise.test,
  name,
  state,
  durationMs: 1,
  errors: state === "failed" ? [{ message, frames: [{ file: "/x/sample.ts", line: 7, column: 3 }] }] : [],
});

const run = (tests: TestOutcome[], extra: Partial<IsolatedRunLike> = {}): IsolatedRunLike => ({
  results: { tests, moduleErrors: [], unhandledErrors: [], canaries: { ran: true, failures: [] } },
  timedOut: false,
  exitCode: 0,
  signal: null,
  durationMs: 100,
  runningTest: undefined,
  outputTail: "",
  ...extra,
});

const evidence = (runs: IsolatedRunLike[], more: Partial<Evidence> = {}): Evidence => ({
  exercise,
  chapter: "01-concepts",
  learnerFiles: [file],
  diagnostics: [],
  runs,
  timeoutMs: 10_000,
  ...more,
});

describe("scoreExercise", () => {
  it("scores the points of the passing tests, never more than the maximum", () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), (passes) => {
        const report = scoreExercise(
          evidence([run(names.map((n, i) => outcome(n, passes[i] ? "passed" : "failed")))]),
        );
        const expected = names.reduce((sum, n, i) => sum + (passes[i] ? exercise.tests[n]! : 0), 0);
        expect(report.score).toBe(expected);
        expect(report.score).toBeLessThanOrEqual(report.max_score);
        expect(EXERCISE_STATUSES).toContain(report.status);
        expect(report.status).toBe(expected === 6 ? "passed" : passes.some(Boolean) ? "partial" : "failed");
      }),
    );
  });

  it("counts a test with no result as failed (a crashed file cannot look like a pass)", () => {
    const report = scoreExercise(evidence([run([outcome("s > one", "passed")])]));
    expect(report.score).toBe(1);
    expect(report.tests.find((t) => t.name.endsWith("two"))?.output).toMatch(/no result/);
  });

  it("ignores tests that are not in the manifest", () => {
    const report = scoreExercise(
      evidence([run([...names.map((n) => outcome(n, "failed")), outcome("s > extra", "passed")])]),
    );
    expect(report.score).toBe(0);
  });

  it("calls an exercise not started when every failure is the stub's TODO", () => {
    const report = scoreExercise(
      evidence([
        run(names.map((n) => outcome(n, "failed", "Caused by: Error: TODO: x is not implemented yet"))),
      ]),
    );
    expect(report.status).toBe("not-started");
  });

  it("says missing, with the command that restores the file", () => {
    const report = scoreExercise(evidence([], { learnerFiles: [{ ...file, exists: false }] }));
    expect(report).toMatchObject({ status: "missing", score: 0 });
    expect(report.message).toMatch(/git checkout -- exercises\/01-concepts\/sample\.ts/);
  });

  it("says compile-error with file, line and the compiler's message", () => {
    const diagnostics = [
      {
        file: "/x/sample.ts",
        line: 3,
        column: 9,
        message: "TS2322: Type 'string' is not assignable to type 'number'.",
      },
    ];
    const report = scoreExercise(evidence([], { diagnostics }));
    expect(report.status).toBe("compile-error");
    expect(report.message).toBe(
      "exercises/01-concepts/sample.ts:3:9 TS2322: Type 'string' is not assignable to type 'number'.",
    );
  });

  it("says compile-error naming the limit, without a line, when type-checking a file went past one", () => {
    const diagnostics = [
      {
        file: "/x/sample.ts",
        line: 1,
        column: 1,
        message: "type-checking your file took longer than 20 s: simplify its types",
        limit: "cpu" as const,
      },
    ];
    const report = scoreExercise(evidence([], { diagnostics }));
    expect(report.status).toBe("compile-error");
    expect(report.score).toBe(0);
    expect(report.message).toBe(
      "exercises/01-concepts/sample.ts: type-checking your file took longer than 20 s: simplify its types",
    );
  });

  it("says crashed, naming the memory cap and the test, when a run went past it", () => {
    const report = scoreExercise(
      evidence([
        run([outcome("s > one", "passed")], {
          results: null,
          exitCode: null,
          signal: "SIGKILL",
          runningTest: "s > two",
          overLimit: { resource: "memory", limitMiB: 1024 },
        }),
      ]),
    );
    expect(report.status).toBe("crashed");
    expect(report.score).toBe(0);
    expect(report.message).toMatch(/^used more than 1 GiB of memory in test "s > two"; the run was stopped/);
  });

  it("says timeout, names the test that hung, and keeps the points earned before it", () => {
    const killed = run([], {
      results: null,
      timedOut: true,
      runningTest: "s > two",
    });
    const rerun = run([
      outcome("s > one", "passed"),
      outcome("s > two", "skipped"),
      outcome("s > three", "passed"),
    ]);
    const report = scoreExercise(evidence([killed, rerun]));
    expect(report.status).toBe("timeout");
    expect(report.score).toBe(4);
    expect(report.message).toMatch(/"s > two" never finished/);
  });

  it("says crashed when the code called process.exit, or the process died", () => {
    const exited = scoreExercise(
      evidence([run(names.map((n) => outcome(n, "failed", 'process.exit unexpectedly called with "0"')))]),
    );
    expect(exited.status).toBe("crashed");
    expect(exited.message).toMatch(/process\.exit\(0\)/);
    const died = scoreExercise(evidence([run([], { results: null, exitCode: null, signal: "SIGKILL" })]));
    expect(died.status).toBe("crashed");
    expect(died.message).toMatch(/SIGKILL/);
  });

  it("never credits a stopped run's tests: only the re-run's reported results count", () => {
    const killed = run([outcome("s > one", "pending"), outcome("s > two", "pending")], {
      timedOut: true,
      runningTest: "s > two",
    });
    const report = scoreExercise(evidence([killed]));
    expect(report.status).toBe("timeout");
    expect(report.score).toBe(0);
  });

  it("says tampered, scoring 0, when a canary failed or never reported, or a trusted file changed", () => {
    const allPass = names.map((n) => outcome(n, "passed"));
    const weakened = run(allPass, {
      results: {
        tests: allPass,
        moduleErrors: [],
        unhandledErrors: [],
        canaries: { ran: true, failures: ["expect().toBe no longer fails on a wrong value"] },
      },
    });
    const silenced = run(allPass, {
      results: {
        tests: allPass,
        moduleErrors: [],
        unhandledErrors: [],
        canaries: { ran: false, failures: [] },
      },
    });
    for (const [runs, reason] of [
      [evidence([weakened]), /toBe no longer fails/],
      [evidence([silenced]), /closing checks never reported/],
      [
        { ...evidence([run(allPass)]), changedTrustedFiles: ["exercises/01-concepts/sample.test.ts"] },
        /trusted file/,
      ],
    ] as const) {
      const report = scoreExercise(runs);
      expect(report.status).toBe("tampered");
      expect(report.score).toBe(0);
      expect(report.message).toMatch(reason);
      expect(report.tests.every((t) => t.score === 0)).toBe(true);
    }
  });

  it("refuses a learner file that is a symbolic link, saying why", () => {
    const report = scoreExercise({
      ...evidence([]),
      learnerFiles: [{ ...file, refused: "is a symbolic link; commit the file itself" }],
    });
    expect(report.status).toBe("missing");
    expect(report.message).toMatch(/symbolic link/);
  });

  it("says what a test that waited in vain usually means", () => {
    const report = scoreExercise(
      evidence([run(names.map((n) => outcome(n, "failed", "Error: Test timed out in 10000ms.")))]),
    );
    expect(report.tests[0]?.output).toMatch(/^idle: the test waited 10 s for something that never happened/);
  });

  it("points a failed test at the learner's file and line", () => {
    const report = scoreExercise(evidence([run(names.map((n) => outcome(n, "failed")))]));
    expect(report.tests[0]?.location).toEqual({ file: exercise.files[0], line: 7, column: 3 });
  });
});

describe("test names for display", () => {
  it("turn back into vitest's full name, and lose only the exercise when shortened", () => {
    // Test names as vitest builds them: no part starts or ends with a space or a separator's arrow, so a
    // part boundary is never ambiguous (" >" then " " would read as " > " plus a part of its own).
    const part = fc
      .string({ minLength: 1 })
      .filter((p) => !p.includes(" > ") && !p.includes(" › ") && !/^[\s>›]|[\s>›]$/.test(p));
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 4 }), (parts) => {
        const name = parts.join(" > ");
        const display = displayTestName("01-concepts/async-mutex", name);
        expect(vitestTestName(display)).toBe(name);
        expect(shortTestName(display)).toBe(parts.join(" › "));
      }),
    );
  });
});
