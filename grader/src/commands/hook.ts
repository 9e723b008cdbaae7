/**
 * Git hooks (installed by `npm ci` through husky), kept fast: under 5 s on a warm machine.
 * - pre-commit: type-check, and refuse staged changes to protected files (tests, given code, grader,
 *   configuration) unless the committer is a maintainer: COURSE_MAINTAINER=1 git commit …
 * - pre-push: run the tests of the exercises the push changes. For learners this only informs (a push of
 *   unfinished work is how you get graded); for maintainers the solutions must pass or the push stops.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { affectedExercises, changedFiles } from "../changes.ts";
import { grade } from "../grade.ts";
import { isProtected, loadCourse, shortName } from "../manifest.ts";
import { repoRoot, solutionsDir } from "../paths.ts";
import { STATUS_MARK } from "../report/format.ts";
import { defaultTarget } from "../target.ts";
import { UsageError } from "./errors.ts";

export const MAINTAINER_ENV = "COURSE_MAINTAINER";
const isMaintainer = () => ["1", "true", "yes"].includes((process.env[MAINTAINER_ENV] ?? "").toLowerCase());
const node = process.execPath;

export async function hookCommand(argv: readonly string[]): Promise<number> {
  const [hook] = argv;
  if (hook === "pre-commit") return preCommit();
  if (hook === "pre-push") return prePush();
  throw new UsageError(`unknown hook "${hook ?? ""}"; expected pre-commit or pre-push`);
}

function preCommit(): number {
  const course = loadCourse();
  const staged = execFileSync("git", ["diff", "--cached", "--name-only", "--diff-filter=ACMRD"], {
    cwd: repoRoot,
    encoding: "utf8",
  })
    .split("\n")
    .filter((f) => f !== "");
  const touched = staged.filter((file) => isProtected(course, file));
  if (touched.length > 0 && !isMaintainer()) {
    console.error(
      [
        "This commit changes files the course protects (the grader always uses its own copies):",
        ...touched.map((f) => `  - ${f}`),
        "Undo them with: git restore --staged --worktree -- <file>",
        `Course maintainers: commit with ${MAINTAINER_ENV}=1 git commit …`,
      ].join("\n"),
    );
    return 1;
  }
  const tsc = spawnSync(node, [path.join(repoRoot, "node_modules/typescript/bin/tsc"), "-p", "."], {
    cwd: repoRoot,
    stdio: "inherit",
  });
  if (tsc.status !== 0) {
    console.error("Type errors above: fix them, or commit anyway with git commit --no-verify.");
    return 1;
  }
  return 0;
}

async function prePush(): Promise<number> {
  const course = loadCourse();
  const { exercises } = affectedExercises(course, pushedFiles());
  if (exercises.length === 0) return 0;
  const maintainer = isMaintainer();
  const target = maintainer ? { root: solutionsDir } : defaultTarget;
  console.error(
    `Checking ${exercises.map((e) => shortName(e)).join(", ")}${maintainer ? " against solutions/" : ""}…`,
  );
  const report = await grade(course, { target, exercises, seed: course.grading.seed, typecheck: false });
  for (const e of report.exercises) {
    console.error(
      `  ${STATUS_MARK[e.status]} ${shortName(e).padEnd(16)} ${`${e.score}/${e.max_score}`.padStart(6)}  ${e.message}`,
    );
  }
  const allPass = report.exercises.every((e) => e.status === "passed");
  if (allPass) return 0;
  if (maintainer) {
    console.error("The solutions fail their tests: fix them before you push (or git push --no-verify).");
    return 1;
  }
  console.error("Not everything passes yet; pushing anyway, so your pull request shows where you are.");
  return 0;
}

const NO_COMMIT = /^0+$/;

/**
 * The files this push changes. git tells a pre-push hook on stdin what it pushes, one
 * "<local ref> <local sha> <remote ref> <remote sha>" line per ref; for a new branch (remote sha all
 * zeros) or when run by hand, fall back to everything since the branch left main.
 */
function pushedFiles(): string[] {
  if (process.stdin.isTTY) return changedFiles();
  let input = "";
  try {
    input = readFileSync(0, "utf8");
  } catch {
    return changedFiles();
  }
  const files = new Set<string>();
  for (const line of input.split("\n").filter((l) => l.trim() !== "")) {
    const [, localSha, , remoteSha] = line.trim().split(/\s+/);
    if (!localSha || NO_COMMIT.test(localSha)) continue; // a deleted branch changes nothing
    if (!remoteSha || NO_COMMIT.test(remoteSha)) return changedFiles();
    try {
      const diff = execFileSync("git", ["diff", "--name-only", `${remoteSha}..${localSha}`], {
        cwd: repoRoot,
        encoding: "utf8",
      });
      for (const file of diff.split("\n")) if (file !== "") files.add(file);
    } catch {
      return changedFiles(); // the remote commit is not here (a force push over unknown history)
    }
  }
  return [...files];
}
