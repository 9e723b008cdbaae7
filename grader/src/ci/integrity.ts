/**
 * Before a pull request is graded: which protected files (tests, given code, grader, configuration,
 * workflows, hooks) did it change? Nothing is restored or run: pull-request grading runs from a checkout of
 * the base commit and takes only the manifest's learner files from the pull request's tree (see
 * run/submission.ts), so these changes cannot affect the grade. They are listed so that the report's
 * `integrity` and the pull-request comment can say so.
 *
 * The pull request's checkout is read as data: git lists its files, nothing in it is executed.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { type Course, isProtected } from "../manifest.ts";

export interface ChangedProtected {
  /** The base commit compared against. */
  readonly base: string;
  /** The commit checked out in the pull request's folder. */
  readonly head: string;
  /** Protected files the pull request added, changed or deleted, or left uncommitted (sorted, unique). */
  readonly changed_protected_files: readonly string[];
}

function git(dir: string, args: readonly string[]): string {
  return execFileSync("git", args, {
    cwd: dir,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    stdio: ["ignore", "pipe", "pipe"],
    // Only reading: no index refresh written back, no pager, no prompts.
    env: { ...process.env, GIT_OPTIONAL_LOCKS: "0", GIT_PAGER: "cat", GIT_TERMINAL_PROMPT: "0" },
  });
}

/** File names from a NUL-separated git listing (-z): any character may occur in a name. */
const names = (text: string) => text.split("\0").filter((name) => name !== "");

/**
 * The protected files (by the trusted `course`) that the pull request checked out in `headDir` changes,
 * compared with where it left `base`: what the pull request itself did, not what changed on the base
 * branch since it forked.
 */
export function changedProtectedFiles(course: Course, base: string, headDir: string): ChangedProtected {
  if (!existsSync(path.join(headDir, ".git"))) {
    throw new Error(`${headDir} is not a git checkout (check out the pull request with its history)`);
  }
  const head = git(headDir, ["rev-parse", "--verify", "HEAD^{commit}"]).trim();
  try {
    git(headDir, ["cat-file", "-e", `${base}^{commit}`]);
  } catch {
    throw new Error(`the base commit ${base} is not in the history of ${headDir} (use fetch-depth: 0)`);
  }
  let since = base;
  try {
    since = git(headDir, ["merge-base", base, head]).trim();
  } catch {
    // Unrelated histories: compare with the base itself.
  }
  const diff = ["diff", "--name-only", "--no-renames", "--no-ext-diff", "--no-textconv", "-z"];
  const committed = names(git(headDir, [...diff, since, head]));
  // A checkout made only to be read has none; a local replay may: uncommitted files count as changes too.
  const uncommitted = names(git(headDir, [...diff, "HEAD"]));
  const untracked = names(git(headDir, ["ls-files", "-z", "--others", "--exclude-standard"]));
  const changed = [...new Set([...committed, ...uncommitted, ...untracked])]
    .filter((file) => isProtected(course, file))
    .sort();
  return { base, head, changed_protected_files: changed };
}
