/**
 * Before a pull request is graded: put every protected file (tests, given code, grader, configuration,
 * workflows, hooks) back as the base commit has it, and list which of them the pull request changed.
 * Those changes never count for the grade; they are reported in the report's `integrity` and in the
 * pull-request comment.
 *
 * Runs in a checkout of the pull request's head that also has the base commit's history.
 */
import { execFileSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import { type Course, isProtected, protectedPaths, validateCourse } from "../manifest.ts";
import type { Integrity } from "../report/types.ts";

export interface RestoreResult {
  /** Protected files the pull request added, changed or deleted (relative paths, sorted). */
  readonly changed: readonly string[];
  /** Files put back from the base commit. */
  readonly restored: readonly string[];
  /** Files the pull request added inside protected folders, now removed. */
  readonly removed: readonly string[];
}

function git(dir: string, args: readonly string[]): string {
  return execFileSync("git", args, { cwd: dir, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
}

const lines = (text: string) => text.split("\n").filter((line) => line !== "");

/** The course manifest as the base commit has it: the trusted list of what is protected. */
export function trustedCourse(dir: string, base: string): Course {
  return validateCourse(JSON.parse(git(dir, ["show", `${base}:grader/course.json`])));
}

/** Files under protected paths at a commit. */
function protectedFilesAt(dir: string, commit: string, course: Course): string[] {
  return lines(git(dir, ["ls-tree", "-r", "--name-only", commit])).filter((file) =>
    isProtected(course, file),
  );
}

export function restoreProtected(dir: string, base: string): RestoreResult {
  const course = trustedCourse(dir, base);
  let since = base;
  try {
    since = git(dir, ["merge-base", base, "HEAD"]).trim();
  } catch {
    // Unrelated histories: compare with the base itself.
  }
  // What the pull request itself changed, not what changed on the base branch since it forked.
  const changed = lines(git(dir, ["diff", "--name-only", "--no-renames", since, "HEAD"]))
    .filter((file) => isProtected(course, file))
    .sort();

  const atBase = protectedFilesAt(dir, base, course);
  const baseSet = new Set(atBase);
  const removed = protectedFilesAt(dir, "HEAD", course).filter((file) => !baseSet.has(file));
  for (const file of removed) rmSync(path.join(dir, file), { force: true });
  // Untracked files inside protected folders (a build step could have made some) go too.
  for (const folder of protectedPaths(course).filter((p) => p.endsWith("/"))) {
    if (!existsSync(path.join(dir, folder))) continue;
    for (const file of lines(git(dir, ["ls-files", "--others", "--exclude-standard", "--", folder]))) {
      rmSync(path.join(dir, file), { force: true });
    }
  }
  // Check out in batches so a long list never exceeds the command-line limit.
  for (let i = 0; i < atBase.length; i += 200) {
    git(dir, ["checkout", base, "--", ...atBase.slice(i, i + 200)]);
  }
  return { changed, restored: atBase, removed };
}

/** What `ci restore` records for the grade: the protected files the pull request changed. */
export function integrityOf(result: RestoreResult): Pick<Integrity, "ok" | "changed_protected_files"> {
  return { ok: result.changed.length === 0, changed_protected_files: result.changed };
}
