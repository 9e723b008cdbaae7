/**
 * The hostile corpus, the screen: submissions whose error messages, file names and learner ids carry
 * escape sequences, line breaks and lines that imitate the grade table, to redraw or add to what the
 * teacher reads. Each case checks, as the rest of the corpus does, that the attack scores no more than the
 * same wrong code with a plain message, that the honest exercise beside it keeps full marks, that no
 * trusted file changed and that no process of a run is left behind; and that the terminal, the JSON and
 * the Markdown report, and the gradebook, hold no control character but colour and show no line the
 * grader did not write.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grade } from "../src/grade.ts";
import type { Gradebook } from "../src/gradebook/gradebook.ts";
import { allExercises, type Exercise, loadCourse, solutionOf } from "../src/manifest.ts";
import { fromRoot } from "../src/paths.ts";
import type { Report } from "../src/report/types.ts";
import {
  changedBetween,
  leftoverRunProcesses,
  noSandboxReason,
  sandboxed,
  trustedDigest,
} from "./hostile-support.ts";
import { COLOUR, CONTROL } from "./hostile-text.ts";
import { cli } from "./support.ts";

const course = loadCourse();
const byId = (id: string) => allExercises(course).find((e) => e.id === id)!;
const attacked = byId("01-concepts/async-mutex");
const honest = byId("01-concepts/interleavings");
const only = [attacked, honest].flatMap((e) => ["--only", e.id]);
const root = mkdtempSync(path.join(tmpdir(), "course-screen-"));

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** An error message that moves the cursor up, redraws the chapter line and adds rows and a score of its own. */
const HOSTILE_MESSAGE = [
  "wrong",
  "\u001b[3A\r01-concepts · Concepts  22/22\u001b[K\u001b[3B",
  "\u001b]0;all tests pass\u0007\u001b]8;;https://evil.example\u001b\\details\u001b]8;;\u001b\\",
  "\r  ✓ passed        async-mutex     12/12  all 8 tests pass",
  "\u2028Score 22/22 (100%) in 1.0 s",
  "\n✓ passed        async-mutex     12/12",
  "Score 375/375",
  "\u202esdrawkcab\u009b2J\u0008\u0007",
].join("");

function fileOf(dir: string, exercise: Exercise): string {
  return path.join(dir, path.relative("exercises", exercise.files[0]!));
}

/** The attacked exercise's stub, its "not implemented" errors replaced by `message`; the honest solution beside. */
function submission(name: string, message: string): string {
  const dir = path.join(root, name);
  const stub = readFileSync(fromRoot(attacked.files[0]!), "utf8");
  const file = fileOf(dir, attacked);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, stub.replace(/new Error\("TODO:[^"]*"\)/g, `new Error(${JSON.stringify(message)})`));
  cpSync(fromRoot(solutionOf(honest.files[0]!)), fileOf(dir, honest));
  return dir;
}

/** Every string in a parsed JSON value. */
function stringsOf(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(stringsOf);
  return [];
}

function expectNoControl(what: string, text: string): void {
  expect(text.replace(COLOUR, ""), `${what} holds a control character`).not.toMatch(CONTROL);
}

const STATUS_ROW =
  /^ {2}\S (passed|partial|failed|not-started|missing|compile-error|timeout|crashed|tampered) /;

describe.skipIf(!sandboxed)("learner text on the screen (sandboxed)", () => {
  let before: Map<string, string>;
  let plain: Report["exercises"][number];

  beforeAll(async () => {
    before = trustedDigest();
    const report = await grade(course, {
      target: { root: submission("plain", "wrong") },
      exercises: [attacked, honest],
      seed: 1,
      typecheck: false,
    });
    plain = report.exercises.find((e) => e.id === attacked.id)!;
    expect(plain.status, "the plain wrong code must not pass").not.toBe("passed");
  });

  afterAll(() => {
    expect(changedBetween(before, trustedDigest()), "trusted files changed during the attacks").toEqual([]);
    expect(leftoverRunProcesses(), "processes of a run were left behind").toEqual([]);
  });

  it("an error message and a folder name cannot redraw or add to the grade, in any report", () => {
    const dir = submission("hostile", HOSTILE_MESSAGE);
    // A folder whose name starts a line of its own, holding what the grader reports as ignored.
    const shadow = path.join(dir, "notes\nScore 375", "375", "node_modules");
    mkdirSync(shadow, { recursive: true });
    const json = path.join(root, "hostile.json");
    const markdown = path.join(root, "hostile.md");
    const run = cli(["grade", "--dir", dir, ...only, "--json", json, "--markdown", markdown]);
    expect(run.status, run.stderr).toBe(0);

    const report = JSON.parse(readFileSync(json, "utf8")) as Report;
    const mine = report.exercises.find((e) => e.id === attacked.id)!;
    const other = report.exercises.find((e) => e.id === honest.id)!;
    expect(mine.status).not.toBe("passed");
    expect(mine.score).toBeLessThanOrEqual(plain.score);
    expect(other, other.message).toMatchObject({ status: "passed", score: honest.points });

    for (const text of stringsOf(report)) expectNoControl("the JSON report", text);
    expect(report.output.split("\n")[0]).toMatch(/^Score \d+\/\d+ over 2 exercises/);
    for (const line of report.output.split("\n").slice(1))
      expect(line, report.output).toMatch(/^(01-concepts\/[a-z-]+: |Ignored in the submission )/);
    expect(report.integrity.ignored_files).toEqual(["notes␊Score 375/375/node_modules/"]);

    const terminal = run.stdout;
    expectNoControl("the terminal", terminal);
    const lines = terminal.split("\n");
    expect(lines.filter((line) => STATUS_ROW.test(line))).toHaveLength(2);
    expect(lines.filter((line) => line.startsWith("01-concepts · "))).toEqual([
      `01-concepts · ${course.chapters[0]!.title}  ${report.score}/${report.max_score}`,
    ]);
    expect(lines.filter((line) => line.startsWith("Score "))).toHaveLength(1);
    expect(lines.find((line) => line.startsWith("Score "))).toMatch(
      new RegExp(`^Score ${report.score}/${report.max_score} `),
    );

    const md = readFileSync(markdown, "utf8");
    expectNoControl("the Markdown report", md);
    const outsideFences = md.replace(/^(`{3,})text\n[\s\S]*?\n\1$/gm, "");
    expect(outsideFences.split("\n").filter((line) => /^(Score|✓|## )/.test(line))).toEqual([
      `## Grade: ${report.score}/${report.max_score} (${Math.round((100 * report.score) / report.max_score)}%)`,
    ]);
  });

  it("in a batch, learner ids with line breaks, escapes or formulas stay one clean row each", () => {
    const batch = path.join(root, "batch");
    const learners = [
      "mallory\n✓ passed 12 of 12",
      "carol\r,99,99,graded",
      "trudy\u001b[2J\u001b]0;owned\u0007",
      '=HYPERLINK("evil.example";"open")',
      "bob",
    ];
    for (const learner of learners) {
      const dir = path.join(batch, learner);
      for (const exercise of [attacked, honest]) {
        mkdirSync(path.dirname(fileOf(dir, exercise)), { recursive: true });
        cpSync(fromRoot(solutionOf(exercise.files[0]!)), fileOf(dir, exercise));
      }
    }
    const out = path.join(root, "batch-out", "grades");
    const run = cli(["grade", "--batch", batch, "--gradebook", out, ...only]);
    expect(run.status, run.stderr).toBe(0);
    expectNoControl("the batch's output", run.stdout + run.stderr);

    const csv = readFileSync(`${out}.csv`, "utf8");
    expectNoControl("the CSV", csv);
    const full = attacked.points + honest.points;
    // One line per learner, each with its own scores; no cell starts a formula.
    expect(csv.trim().split("\n").slice(1).sort()).toEqual(
      [
        `"'=HYPERLINK(""evil.example"";""open"")",${honest.points},${attacked.points},${full},graded`,
        `bob,${honest.points},${attacked.points},${full},graded`,
        `"carol␊,99,99,graded",${honest.points},${attacked.points},${full},graded`,
        `mallory␊✓ passed 12 of 12,${honest.points},${attacked.points},${full},graded`,
        `trudy,${honest.points},${attacked.points},${full},graded`,
      ].sort(),
    );

    const book = JSON.parse(readFileSync(`${out}.json`, "utf8")) as Gradebook;
    for (const text of stringsOf(book)) expectNoControl("the JSON gradebook", text);
    expect(book.learners.map((l) => l.learner).sort()).toEqual(
      [
        '=HYPERLINK("evil.example";"open")',
        "bob",
        "carol␊,99,99,graded",
        "mallory␊✓ passed 12 of 12",
        "trudy",
      ].sort(),
    );
  });
});

describe.runIf(!sandboxed)("learner text on the screen (no sandbox here)", () => {
  it.skip(`needs bubblewrap: ${noSandboxReason}`, () => {});
});
