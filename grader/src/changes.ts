/** Which exercises a change touches: for `verify --changed`, the pre-push hook and pull-request grading. */
import { execFileSync } from "node:child_process";
import { allExercises, type Course, type Exercise, shortName, solutionOf } from "./manifest.ts";
import { repoRoot } from "./paths.ts";

/** Files whose change can affect every exercise: the grader, the harness, shared configuration. */
const SHARED = [
  /^grader\/(src|harness)\//,
  /^grader\/course(\.schema)?\.json$/,
  /^grader\/vitest\./,
  /^package(-lock)?\.json$/,
  /^tsconfig\.json$/,
  /^vitest\.config\.ts$/,
];

export interface Affected {
  /** True when a shared file changed: everything must be checked. */
  readonly all: boolean;
  readonly exercises: readonly Exercise[];
}

export function affectedExercises(course: Course, files: readonly string[]): Affected {
  if (files.some((file) => SHARED.some((pattern) => pattern.test(file))))
    return { all: true, exercises: allExercises(course) };
  const touched = allExercises(course).filter((exercise) => files.some((file) => touches(exercise, file)));
  return { all: false, exercises: touched };
}

function touches(exercise: Exercise, file: string): boolean {
  const [chapter] = exercise.id.split("/");
  const own = [...exercise.files, exercise.test, ...exercise.given];
  return (
    own.includes(file) ||
    own.some((f) => solutionOf(f) === file) ||
    file.startsWith(`grader/mutants/${chapter}/${shortName(exercise)}/`) ||
    file === exercise.notes.split("#")[0]
  );
}

function git(args: readonly string[]): string {
  return execFileSync("git", args, { cwd: repoRoot, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
}

/**
 * Files changed in the working tree (staged, unstaged, untracked) and in commits since `base`
 * (default: where this branch left main). Empty outside a git checkout.
 */
export function changedFiles(base?: string): string[] {
  const lines = (text: string) => text.split("\n").filter((line) => line.trim() !== "");
  try {
    const since = base ?? mergeBase();
    const committed = since ? lines(git(["diff", "--name-only", `${since}...HEAD`])) : [];
    const working = lines(git(["diff", "--name-only", "HEAD"]));
    const untracked = lines(git(["ls-files", "--others", "--exclude-standard"]));
    return [...new Set([...committed, ...working, ...untracked])].sort();
  } catch {
    return [];
  }
}

function mergeBase(): string | undefined {
  for (const ref of ["origin/main", "main"]) {
    try {
      const base = git(["merge-base", "HEAD", ref]).trim();
      const head = git(["rev-parse", "HEAD"]).trim();
      if (base !== head) return base;
    } catch {
      // no such ref here
    }
  }
  return undefined;
}
