/**
 * The learners' template: what `npm run export` leaves out, and that grading works in it and scores 0
 * with every exercise not started.
 */
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allExercises, loadCourse, validateCourse } from "../src/manifest.ts";
import { materializeMutant } from "../src/mutants.ts";
import { repoRoot } from "../src/paths.ts";
import type { Report } from "../src/report/types.ts";
import { nudgeOf, SIGNATURES_FILE } from "../src/signatures.ts";
import { cli, cliOk, WHOLE_COURSE_BACKSTOP_MS } from "./support.ts";

let parent = "";
let out = "";

beforeAll(() => {
  parent = mkdtempSync(path.join(tmpdir(), "course-export-"));
  out = path.join(parent, "template");
  cliOk(["export", out]);
}, WHOLE_COURSE_BACKSTOP_MS);

afterAll(() => {
  if (parent) rmSync(parent, { recursive: true, force: true });
});

describe("npm run export", () => {
  it("leaves out solutions, mutants, the grader's own tests and the course's CI", () => {
    for (const gone of [
      "solutions",
      "grader/mutants",
      "grader/mutation",
      "grader/test",
      ".github/workflows/ci.yml",
      ".ci",
    ]) {
      expect(existsSync(path.join(out, gone)), gone).toBe(false);
    }
    for (const kept of [
      ".github/workflows/grade.yml",
      ".github/workflows/comment.yml",
      "package-lock.json",
      ".husky/pre-commit",
    ]) {
      expect(existsSync(path.join(out, kept)), kept).toBe(true);
    }
  });

  it("keeps every exercise's stub, test and notes, and a valid manifest without mutants", () => {
    const course = validateCourse(JSON.parse(readFileSync(path.join(out, "grader/course.json"), "utf8")));
    expect(allExercises(course).map((e) => e.id)).toEqual(allExercises(loadCourse()).map((e) => e.id));
    for (const exercise of allExercises(course)) {
      expect(exercise.mutants).toEqual([]);
      for (const file of [...exercise.files, exercise.test, exercise.notes.split("#")[0]!]) {
        expect(readFileSync(path.join(out, file), "utf8")).toBe(
          readFileSync(path.join(repoRoot, file), "utf8"),
        );
      }
    }
  });

  it("trims the README and the scripts that only maintainers use", () => {
    const readme = readFileSync(path.join(out, "README.md"), "utf8");
    expect(readme).not.toMatch(/For maintainers|maintainers:start/);
    expect(readme).toMatch(/## For learners/);
    const scripts = (
      JSON.parse(readFileSync(path.join(out, "package.json"), "utf8")) as { scripts: Record<string, string> }
    ).scripts;
    expect(scripts.verify).toBeUndefined();
    expect(scripts.mutation).toBeUndefined();
    expect(scripts.grade).toBeDefined();
  });

  it("refuses to write into a folder that is not empty", () => {
    const again = cli(["export", out]);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/not empty/);
  });

  it(
    "grades the template: every exercise not started, a score of 0, and the first exercise next",
    () => {
      symlinkSync(path.join(repoRoot, "node_modules"), path.join(out, "node_modules"));
      // A limit far above any machine's speed: this test is about the statuses, not about time.
      cliOk(["grade", "--json", "r.json", "--quiet", "--timeout", "600"], { cwd: out });
      const report = JSON.parse(readFileSync(path.join(out, "r.json"), "utf8")) as Report;
      expect(report.score).toBe(0);
      expect(
        report.exercises
          .filter((e) => e.status !== "not-started")
          .map((e) => `${e.id}: ${e.status}: ${e.message}`),
        "exercises of the template that are not 'not started'",
      ).toEqual([]);
      expect(report.next?.id).toBe(allExercises(loadCourse())[0]!.id);
    },
    WHOLE_COURSE_BACKSTOP_MS,
  );

  it(
    "ships the mutant signatures: a known mistake is named in the grade, the Markdown report and the hint",
    () => {
      if (!existsSync(path.join(out, "node_modules")))
        symlinkSync(path.join(repoRoot, "node_modules"), path.join(out, "node_modules"));
      expect(existsSync(path.join(out, SIGNATURES_FILE)), SIGNATURES_FILE).toBe(true);
      // A learner's async-mutex that releases only after a successful section, like the course's mutant.
      const exercise = allExercises(loadCourse()).find((e) => e.id === "01-concepts/async-mutex")!;
      const mutant = exercise.mutants.find((m) => m.file.endsWith("/release-not-in-finally.diff"))!;
      const made = materializeMutant(exercise, mutant, path.join(parent, "mutant"));
      const file = "exercises/01-concepts/async-mutex.ts";
      copyFileSync(path.join(made.root, "01-concepts/async-mutex.ts"), path.join(out, file));
      const env = { COURSE_STATE_DIR: path.join(parent, "state") };
      const looksLike = `It looks like ${nudgeOf(mutant.mistake)}.`;

      const graded = cliOk(["grade", "--only", "async-mutex", "--json", "m.json", "--markdown", "m.md"], {
        cwd: out,
        env,
      });
      expect(graded.stdout).toContain(looksLike);
      const report = JSON.parse(readFileSync(path.join(out, "m.json"), "utf8")) as Report;
      expect(report.exercises[0]?.likely_mistakes).toEqual([nudgeOf(mutant.mistake)]);
      expect(readFileSync(path.join(out, "m.md"), "utf8")).toContain("It looks like your code releases only");
      expect(cliOk(["hint", "async-mutex"], { cwd: out, env }).stdout).toContain(
        `From your last grade: ${looksLike}`,
      );

      // Once the file changes, the last grade no longer speaks for it.
      appendFileSync(path.join(out, file), "\n// trying something\n");
      expect(cliOk(["hint", "async-mutex"], { cwd: out, env }).stdout).not.toContain("It looks like");
    },
    WHOLE_COURSE_BACKSTOP_MS,
  );
});
