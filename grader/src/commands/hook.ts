/**
 * Git hooks (installed by `npm ci` through husky), kept fast: under 5 s on a warm machine.
 * - pre-commit: type-check, and refuse staged changes to protected files (tests, given code, grader,
 *   configuration) unless the committer is a maintainer: COURSE_MAINTAINER=1 git commit …
 * - pre-push: run the tests of the exercises the push changes. For learners this only informs (a push of
 *   unfinished work is how you get graded); for maintainers the solutions must pass or the push stops.
 */
import { execFileSync, spawnSync } from "node:child_process";
import path from "node:path";
import { affectedExercises, changedFiles } from "../changes.ts";
import { isProtected, loadCourse } from "../manifest.ts";
import { fromRoot, repoRoot, solutionsDir } from "../paths.ts";
import { targetToEnv } from "../target.ts";
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

function prePush(): number {
  const course = loadCourse();
  const { exercises } = affectedExercises(course, changedFiles());
  if (exercises.length === 0) return 0;
  const maintainer = isMaintainer();
  const env = maintainer
    ? { ...process.env, ...targetToEnv({ root: solutionsDir, overrides: {} }) }
    : process.env;
  console.error(
    `Running the tests of ${exercises.map((e) => e.id).join(", ")}${maintainer ? " against solutions/" : ""}…`,
  );
  const run = spawnSync(
    node,
    [fromRoot("node_modules/vitest/vitest.mjs"), "run", ...exercises.map((e) => fromRoot(e.test))],
    {
      cwd: repoRoot,
      env,
      stdio: "inherit",
      timeout: 120_000,
    },
  );
  if (run.status === 0) return 0;
  if (maintainer) {
    console.error("The solutions fail their tests: fix them before you push (or git push --no-verify).");
    return 1;
  }
  console.error("Some tests still fail; pushing anyway, so your pull request shows where you are.");
  return 0;
}
