/** Mutant signatures: normalising failures, matching a learner's report, keeping the file up to date. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Exercise } from "../src/manifest.ts";
import { repoRoot } from "../src/paths.ts";
import { parseUntrustedReport } from "../src/report/comment.ts";
import { renderMarkdown } from "../src/report/markdown.ts";
import { renderTerminal } from "../src/report/terminal.ts";
import type { Report } from "../src/report/types.ts";
import { displayTestName, type ExerciseReport, type TestReport } from "../src/score.ts";
import {
  type MutantSignature,
  matchSignatures,
  mergeSignatures,
  normaliseMessage,
  nudgeOf,
  signatureDrift,
  signatureOf,
  withLikelyMistakes,
} from "../src/signatures.ts";

const exercise = {
  id: "01-concepts/lock",
  tests: { "lock > never lets two in": 2, "lock > serves in order": 2, "lock > survives a throw": 2 },
} as unknown as Exercise;

const display = (name: string) => displayTestName(exercise.id, name);

function report(
  failures: Record<string, string>,
  status: ExerciseReport["status"] = "partial",
): ExerciseReport {
  const tests: TestReport[] = Object.keys(exercise.tests).map((name) => ({
    name: display(name),
    score: name in failures ? 0 : 2,
    max_score: 2,
    status: name in failures ? "failed" : "passed",
    output: failures[name] ?? "",
  }));
  return {
    id: exercise.id,
    chapter: "01-concepts",
    title: "A lock",
    score: tests.reduce((s, t) => s + t.score, 0),
    max_score: 6,
    status,
    duration_ms: 1,
    message: "",
    tests,
  };
}

const property = (label: string, detail: string) =>
  `Property failed after 3 tests\n{ seed: 1, path: "2:0", endOnFailure: true }\nCounterexample: [1]\nCaused by: AssertionError: ${label}: ${detail}`;

const overlap = {
  exercise: exercise.id,
  mutant: "no-lock",
  failing: ["lock > never lets two in", "lock > serves in order"],
  first: { test: "lock > never lets two in", message: "# sections ran at the same time" },
  nudge: "your code waits for nobody",
} satisfies MutantSignature;
const lostWakeUp = {
  exercise: exercise.id,
  mutant: "release-not-in-finally",
  failing: ["lock > survives a throw"],
  first: { test: "lock > survives a throw", message: "locked once every caller is done" },
  nudge: "your code releases only after a successful section",
} satisfies MutantSignature;
const signatures = [overlap, lostWakeUp];

describe("normaliseMessage", () => {
  it("keeps our label and drops the values and the library's detail", () => {
    expect(normaliseMessage("AssertionError: 2 sections ran at the same time: expected 2 to be 1")).toBe(
      "# sections ran at the same time",
    );
    expect(normaliseMessage("callers called in the order 0, 1, 2 but started in the order 0, 2, 1")).toBe(
      "callers called in the order # but started in the order #",
    );
    expect(normaliseMessage("the key \"a\" should map to 'b'")).toBe("the key … should map to …");
  });
});

describe("nudgeOf", () => {
  it("says what the code does, without the explanation or the fix", () => {
    expect(nudgeOf("Releases without notify: a thread asleep in acquire() is never woken.")).toBe(
      "your code releases without notify",
    );
    expect(nudgeOf("Counts with cells[index]++ instead of atomics.add: three steps")).toBe(
      "your code counts with cells[index]++",
    );
    expect(nudgeOf("broadcast sends each value to its first target only.")).toBe(
      "broadcast sends each value to its first target only",
    );
    expect(nudgeOf("Stages are not primed, so each one loses the first value.")).toBe(
      "stages are not primed",
    );
    expect(nudgeOf("A single turnstile (one shared round), so fast threads lap slow ones")).toBe(
      "a single turnstile",
    );
  });
});

describe("signatureOf", () => {
  it("records the failing tests and the first failure's normalised headline", () => {
    const graded = report({
      "lock > never lets two in": property("2 sections ran at the same time", "expected 2 to be 1"),
      "lock > serves in order": "callers were served out of order",
    });
    const mutant = {
      file: "grader/mutants/01-concepts/lock/no-lock.diff",
      mistake: "Waits for nobody: two callers enter at once.",
    };
    expect(signatureOf(exercise, mutant, graded)).toEqual({
      ...overlap,
      nudge: "your code waits for nobody",
    });
  });

  it("records nothing for a run that failed nothing a learner could match", () => {
    const mutant = { file: "x/y.diff", mistake: "Does nothing." };
    expect(signatureOf(exercise, mutant, report({}, "passed"))).toBeUndefined();
    expect(
      signatureOf(exercise, mutant, report({ "lock > serves in order": "x" }, "compile-error")),
    ).toBeUndefined();
  });
});

describe("matchSignatures", () => {
  it("matches the same first failure with other values, and the same failing tests", () => {
    const learner = report({
      "lock > never lets two in": property("3 sections ran at the same time", "expected 3 to be 1"),
      "lock > serves in order": "whatever it says",
    });
    expect(matchSignatures(learner, signatures)).toEqual([overlap]);
    expect(withLikelyMistakes(learner, signatures).likely_mistakes).toEqual([overlap.nudge]);
  });

  it("still matches when another mistake, or timing, fails more tests; the closest failing set wins", () => {
    const learner = report({
      "lock > never lets two in": property("2 sections ran at the same time", "expected 2 to be 1"),
      "lock > serves in order": "out of order",
      "lock > survives a throw": "locked once every caller is done: expected true to be false",
    });
    expect(matchSignatures(learner, signatures).map((s) => s.mutant)).toEqual(["no-lock"]);
    const alike = { ...overlap, mutant: "no-lock-either", failing: [overlap.failing[0]!], nudge: "other" };
    expect(matchSignatures(learner, [alike, overlap]).map((s) => s.mutant)).toEqual(["no-lock"]);
    const fewer = report({
      "lock > never lets two in": property("2 sections ran at the same time", "expected 2 to be 1"),
    });
    expect(matchSignatures(fewer, [alike, overlap]).map((s) => s.mutant)).toEqual(["no-lock-either"]);
  });

  it("does not match another first failure, or a report of another kind", () => {
    const otherMessage = report({
      "lock > never lets two in": "the lock was never released",
      "lock > serves in order": "x",
    });
    expect(matchSignatures(otherMessage, signatures)).toEqual([]);
    const otherTest = report({ "lock > serves in order": "# sections ran at the same time" });
    expect(matchSignatures(otherTest, signatures)).toEqual([]);
    const notStarted = report(
      { "lock > survives a throw": "locked once every caller is done" },
      "not-started",
    );
    expect(matchSignatures(notStarted, signatures)).toEqual([]);
    expect(withLikelyMistakes(otherMessage, signatures)).not.toHaveProperty("likely_mistakes");
  });
});

describe("keeping the file up to date", () => {
  const checked = new Set([exercise.id]);

  it("reports each mutant whose first failure changed, is new, or is gone, but not other failing tests", () => {
    const changed = { ...overlap, first: { ...overlap.first, message: "the lock was never released" } };
    const added = { ...lostWakeUp, mutant: "new-one" };
    expect(signatureDrift(signatures, [changed, lostWakeUp, added], checked)).toEqual([
      `01-concepts/lock/no-lock: first failure is now lock > never lets two in: "the lock was never released"`,
      "01-concepts/lock/new-one: no signature stored",
    ]);
    expect(signatureDrift(signatures, [overlap], checked)).toEqual([
      "01-concepts/lock/release-not-in-finally: stored, but no such mutant fails now",
    ]);
    expect(signatureDrift(signatures, signatures, checked)).toEqual([]);
    const slower = { ...overlap, failing: [...overlap.failing, "lock > survives a throw"] };
    expect(signatureDrift(signatures, [slower, lostWakeUp], checked)).toEqual([]);
  });

  it("replaces only the exercises checked, keeps the others, and drops exercises the course lost", () => {
    const other = { ...overlap, exercise: "02-coroutines/x" };
    const gone = { ...overlap, exercise: "09-gone/y" };
    const merged = mergeSignatures([other, overlap, gone], [lostWakeUp], checked, [
      exercise.id,
      other.exercise,
    ]);
    expect(merged).toEqual([lostWakeUp, other]);
  });
});

describe("in the reports", () => {
  const sample = JSON.parse(
    readFileSync(path.join(repoRoot, "grader/test/fixtures/comment/sample-report.json"), "utf8"),
  ) as Report;
  const nudge = "your code releases only after a successful section";
  const withNudge: Report = {
    ...sample,
    exercises: sample.exercises.map((e) =>
      e.id === "01-concepts/async-mutex" ? { ...e, likely_mistakes: [nudge] } : e,
    ),
  };

  it("the terminal grade and the Markdown report say 'It looks like …' under the exercise", () => {
    expect(renderTerminal(withNudge, "grade")).toContain(`It looks like ${nudge}.`);
    const markdown = renderMarkdown(withNudge);
    expect(markdown).toContain(`💡 It looks like ${nudge}.`);
    expect(renderMarkdown(sample)).not.toContain("It looks like");
  });

  it("the report with the new field still matches its schema", () => {
    expect(parseUntrustedReport(JSON.stringify(withNudge))).toMatchObject({ ok: true });
  });
});
