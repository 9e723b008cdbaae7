/**
 * The one place that decides which file an exercise import resolves to.
 *
 * The same trusted test files run against several targets: the learner's exercises/ (the default),
 * solutions/, a submission folder given with --dir, or a scratch folder holding a mutant. Tests always
 * import their exercise as "./<name>.ts"; this module redirects that import to the target folder. Given
 * code (transports, worker entry points) always comes from the trusted exercises/ folder, never from a
 * target.
 */
import path from "node:path";
import { allExercises, type Course } from "./manifest.ts";
import { exercisesDir, isInside, repoRoot } from "./paths.ts";

export interface Target {
  /** A folder laid out like exercises/ whose learner files are graded. */
  readonly root: string;
}

export const TARGET_ENV = "COURSE_TARGET";

export const defaultTarget: Target = { root: exercisesDir };

export function targetFromEnv(env: NodeJS.ProcessEnv = process.env): Target {
  return { root: env[TARGET_ENV] ? path.resolve(repoRoot, env[TARGET_ENV]) : exercisesDir };
}

export function targetToEnv(target: Target): Record<string, string> {
  return { [TARGET_ENV]: target.root };
}

/** Where learner file `file` (relative to the repository, e.g. "exercises/01-concepts/actor.ts") is read from. */
export function learnerFileIn(target: Target, file: string): string {
  return path.join(target.root, path.relative("exercises", file));
}

/**
 * Build the import redirect for a target: given an absolute import candidate and its importer, return the
 * file to load instead, or undefined to leave the import alone.
 */
export function createRedirect(course: Course, target: Target) {
  const learnerFiles = new Set(allExercises(course).flatMap((e) => e.files));
  const givenFiles = new Set(allExercises(course).flatMap((e) => e.given));
  const root = path.resolve(target.root);
  if (root === exercisesDir) return (): undefined => undefined;

  return (candidate: string, importer: string): string | undefined => {
    // A test (or given code) in exercises/ importing a learner file: point it at the target's copy.
    if (isInside(exercisesDir, importer) && isInside(exercisesDir, candidate)) {
      const file = toPosix(path.relative(repoRoot, candidate));
      return learnerFiles.has(file) ? learnerFileIn(target, file) : undefined;
    }
    // Learner code in the target folder importing given code: always the trusted copy.
    if (isInside(root, importer) && isInside(root, candidate)) {
      const file = toPosix(path.join("exercises", path.relative(root, candidate)));
      if (givenFiles.has(file)) return path.join(repoRoot, file);
    }
    return undefined;
  };
}

function toPosix(p: string): string {
  return p.split(path.sep).join("/");
}
