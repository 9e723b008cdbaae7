/**
 * A pull request, simulated locally: a throwaway git repository with the course as the base commit, and a
 * learner branch that solves two exercises, but also weakens a test, edits the grading workflow and adds
 * a file to the grader. The workflow's steps (grader/src/commands/ci.ts, then grade) must put every
 * trusted file back, list the tampering in `integrity`, and give the honest score.
 */
import { execFileSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { courseFiles } from "../src/files.ts";
import { allExercises, loadCourse, solutionOf } from "../src/manifest.ts";
import { repoRoot } from "../src/paths.ts";
import type { Report } from "../src/report/types.ts";
import { cliOk } from "./support.ts";

const course = loadCourse();
const [solvedA, solvedB, weakened] = allExercises(course);
let repo = "";
let base = "";

const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, encoding: "utf8" }).trim();
const run = (...args: string[]) => cliOk(args, { cwd: repo });
const read = (file: string) => readFileSync(path.join(repo, file), "utf8");

beforeAll(() => {
  repo = mkdtempSync(path.join(tmpdir(), "course-pr-"));
  for (const file of courseFiles()) {
    mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
    cpSync(path.join(repoRoot, file), path.join(repo, file));
  }
  symlinkSync(path.join(repoRoot, "node_modules"), path.join(repo, "node_modules"));
  git("init", "-q", "-b", "main");
  git("config", "user.email", "teacher@example.com");
  git("config", "user.name", "Teacher");
  git("add", "-A");
  git("commit", "-q", "-m", "course");
  base = git("rev-parse", "HEAD");

  git("checkout", "-q", "-b", "learner");
  for (const exercise of [solvedA!, solvedB!]) {
    const file = exercise.files[0]!;
    cpSync(path.join(repo, solutionOf(file)), path.join(repo, file));
  }
  // The tampering: a test that passes whatever the code does, a weakened workflow, a file in the grader.
  const names = Object.keys(weakened!.tests).map((n) => n.split(" > "));
  writeFileSync(
    path.join(repo, weakened!.test),
    `import { describe, it } from "vitest";\n${names.map(([d, t]) => `describe(${JSON.stringify(d)}, () => { it(${JSON.stringify(t)}, () => {}); });`).join("\n")}\n`,
  );
  writeFileSync(
    path.join(repo, ".github/workflows/grade.yml"),
    `${read(".github/workflows/grade.yml")}\n# learner was here\n`,
  );
  writeFileSync(path.join(repo, "grader/src/backdoor.ts"), "export const x = 1;\n");
  git("add", "-A");
  git("commit", "-q", "-m", "my work");
}, 60_000);

afterAll(() => {
  if (repo) rmSync(repo, { recursive: true, force: true });
});

describe("grading a pull request", () => {
  let integrity: { ok: boolean; changed_protected_files: string[] };
  let report: Report;

  beforeAll(() => {
    // What grade.yml does, in order: the grader from the base commit, then the full restore, then grade.
    git("checkout", base, "--", "grader", "package.json", "package-lock.json", "tsconfig.json", ".husky");
    run("ci", "restore", "--base", base, "--integrity", ".grade/integrity.json");
    integrity = JSON.parse(read(".grade/integrity.json"));
    run("grade", "--json", ".grade/report.json", "--integrity", ".grade/integrity.json", "--quiet");
    report = JSON.parse(read(".grade/report.json"));
  }, 120_000);

  it("puts the trusted test, workflow and grader back", () => {
    expect(read(weakened!.test)).toBe(readFileSync(path.join(repoRoot, weakened!.test), "utf8"));
    expect(read(".github/workflows/grade.yml")).toBe(
      readFileSync(path.join(repoRoot, ".github/workflows/grade.yml"), "utf8"),
    );
    expect(existsSync(path.join(repo, "grader/src/backdoor.ts"))).toBe(false);
  });

  it("keeps the learner's own work", () => {
    for (const exercise of [solvedA!, solvedB!]) {
      const file = exercise.files[0]!;
      expect(read(file)).toBe(read(solutionOf(file)));
    }
  });

  it("lists every protected file the pull request changed, and only those", () => {
    expect(integrity.ok).toBe(false);
    expect(integrity.changed_protected_files).toEqual(
      [".github/workflows/grade.yml", "grader/src/backdoor.ts", weakened!.test].sort(),
    );
    expect(report.integrity).toEqual(integrity);
  });

  it("gives the honest score: the solved exercises, and nothing for the weakened test", () => {
    const status = Object.fromEntries(report.exercises.map((e) => [e.id, e.status]));
    expect(status[solvedA!.id]).toBe("passed");
    expect(status[solvedB!.id]).toBe("passed");
    expect(status[weakened!.id]).toBe("not-started");
    expect(report.score).toBe(solvedA!.points + solvedB!.points);
  });
});
