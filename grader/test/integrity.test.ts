/**
 * `ci integrity`'s core: which protected files a pull request changes, read from its checkout with git
 * and nothing else. A small repository stands in for the course (the manifest says what is protected).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changedProtectedFiles } from "../src/ci/integrity.ts";
import { loadCourse } from "../src/manifest.ts";

const course = loadCourse();
let repo = "";
let base = "";

const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, encoding: "utf8" }).trim();
const write = (file: string, text = `${file}\n`) => {
  mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
  writeFileSync(path.join(repo, file), text);
};

beforeAll(() => {
  repo = mkdtempSync(path.join(tmpdir(), "course-integrity-"));
  git("init", "-q", "-b", "main");
  git("config", "user.email", "teacher@example.com");
  git("config", "user.name", "Teacher");
  for (const file of [
    "README.md",
    "grader/src/grade.ts",
    ".github/workflows/grade.yml",
    "exercises/01-concepts/actor.ts",
    "exercises/01-concepts/actor.test.ts",
  ])
    write(file);
  git("add", "-A");
  git("commit", "-q", "-m", "course");
  const forked = git("rev-parse", "HEAD");

  // The learner's branch: a deleted workflow, a test moved away, a file whose name holds a line break,
  // their own work and notes (not protected), and an untracked file in the grader.
  git("checkout", "-q", "-b", "learner");
  git("rm", "-q", ".github/workflows/grade.yml");
  git("mv", "exercises/01-concepts/actor.test.ts", "exercises/01-concepts/mine.ts");
  write("grader/src/x\ny.ts");
  write("exercises/01-concepts/actor.ts", "solved\n");
  write("README.md", "my notes\n");
  git("add", "-A");
  git("commit", "-q", "-m", "my work");
  write("grader/src/untracked.ts");

  // Meanwhile the course moved on: those changes are not the pull request's.
  git("checkout", "-q", "main");
  write("grader/src/grade.ts", "newer\n");
  git("commit", "-q", "-am", "course update");
  base = git("rev-parse", "HEAD");
  git("checkout", "-q", "learner");
  expect(git("merge-base", base, "HEAD")).toBe(forked);
});

afterAll(() => {
  if (repo) rmSync(repo, { recursive: true, force: true });
});

describe("the protected files a pull request changes", () => {
  it("are what it added, changed, deleted, moved away or left untracked since it forked, and only those", () => {
    expect(changedProtectedFiles(course, base, repo)).toEqual({
      base,
      head: git("rev-parse", "HEAD"),
      changed_protected_files: [
        ".github/workflows/grade.yml",
        "exercises/01-concepts/actor.test.ts",
        "grader/src/untracked.ts",
        "grader/src/x\ny.ts",
      ],
    });
  });

  it("leave the checkout as it was", () => {
    expect(git("status", "--porcelain")).toBe("?? grader/src/untracked.ts");
  });

  it("need the base commit in the checkout's history, and a checkout", () => {
    expect(() => changedProtectedFiles(course, "0".repeat(40), repo)).toThrow(/not in the history/);
    expect(() => changedProtectedFiles(course, base, path.join(repo, "grader"))).toThrow(
      /not a git checkout/,
    );
  });
});
