/**
 * The one place that decides which file an exercise import resolves to.
 *
 * The same trusted test files run against several targets: the learner's exercises/ (the default),
 * solutions/, a submission folder given with --dir, or a single mutant standing in for one learner file.
 * Tests always import their exercise as "./<name>.ts"; this module redirects that import. Given code
 * (transports, worker entry points) always comes from the trusted exercises/ folder, never from a target.
 */
import path from "node:path";
import { allExercises, type Course } from "./manifest.ts";
import { exercisesDir, isInside, repoRoot } from "./paths.ts";

export interface Target {
  /** A folder laid out like exercises/ whose learner files are graded. */
  readonly root: string;
  /** Learner file (relative to the repository, e.g. "exercises/01-concepts/actor.ts") → file that replaces it. */
  readonly overrides: Readonly<Record<string, string>>;
}

export const TARGET_ENV = "COURSE_TARGET";
export const OVERRIDES_ENV = "COURSE_OVERRIDES";

export const defaultTarget: Target = { root: exercisesDir, overrides: {} };

export function targetFromEnv(env: NodeJS.ProcessEnv = process.env): Target {
  const root = env[TARGET_ENV] ? path.resolve(repoRoot, env[TARGET_ENV]) : exercisesDir;
  const overrides = env[OVERRIDES_ENV] ? (JSON.parse(env[OVERRIDES_ENV]) as Record<string, string>) : {};
  return { root, overrides };
}

export function targetToEnv(target: Target): Record<string, string> {
  return { [TARGET_ENV]: target.root, [OVERRIDES_ENV]: JSON.stringify(target.overrides) };
}

/** Where learner file `file` (relative to the repository, under exercises/) is read from for this target. */
export function learnerFileIn(target: Target, file: string): string {
  const override = target.overrides[file];
  if (override) return path.resolve(repoRoot, override);
  return path.join(target.root, path.relative("exercises", file));
}

/**
 * Build the import redirect for a target: given an absolute import candidate and its importer, return the
 * file to load instead, or undefined to leave the import alone.
 */
export function createRedirect(course: Course, target: Target) {
  const learnerFiles = new Set(allExercises(course).flatMap((e) => e.files));
  const givenFiles = new Set(allExercises(course).flatMap((e) => e.given));
  const fromTarget = path.resolve(target.root) !== exercisesDir;
  const overrideFiles = new Set(Object.values(target.overrides).map((f) => path.resolve(repoRoot, f)));

  return (candidate: string, importer: string): string | undefined => {
    // A test (or given code) in exercises/ importing a learner file: point it at the target's copy.
    if (isInside(exercisesDir, importer) && isInside(exercisesDir, candidate)) {
      const file = toPosix(path.relative(repoRoot, candidate));
      if (learnerFiles.has(file) && (fromTarget || target.overrides[file]))
        return learnerFileIn(target, file);
      return undefined;
    }
    // Learner code in a target folder importing given code: always the trusted copy.
    const importerInTarget = fromTarget && isInside(target.root, importer);
    if (importerInTarget || overrideFiles.has(importer)) {
      const base = importerInTarget ? target.root : exercisesDir;
      const file = toPosix(path.join("exercises", path.relative(base, candidate)));
      if (givenFiles.has(file)) return path.join(repoRoot, file);
    }
    return undefined;
  };
}

function toPosix(p: string): string {
  return p.split(path.sep).join("/");
}
