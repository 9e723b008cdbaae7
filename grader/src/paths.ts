import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: every path in the manifest is relative to it. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export const exercisesDir = path.join(repoRoot, "exercises");
export const solutionsDir = path.join(repoRoot, "solutions");
export const manifestPath = path.join(repoRoot, "grader", "course.json");
export const schemaPath = path.join(repoRoot, "grader", "course.schema.json");
/** Scratch space for grading runs (results files, generated configs); git-ignored. */
export const scratchDir = path.join(repoRoot, ".grade-tmp");
/** Per-learner local state (hint levels); git-ignored. */
export const stateDir = process.env.COURSE_STATE_DIR
  ? path.resolve(process.env.COURSE_STATE_DIR)
  : path.join(repoRoot, ".course");

export function fromRoot(...segments: string[]): string {
  return path.join(repoRoot, ...segments);
}

/** A path relative to the repository root with forward slashes, for messages and reports. */
export function relativeToRoot(absolute: string): string {
  return path.relative(repoRoot, absolute).split(path.sep).join("/");
}

/** True when `child` is `parent` or lies inside it. */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/**
 * A path the user typed, made absolute. npm runs scripts from the package root, so under `npm run` a
 * relative path means relative to where the user was (INIT_CWD); run directly, to the working directory.
 */
export function userPath(file: string): string {
  const underNpm = process.env.npm_lifecycle_event !== undefined && process.env.npm_lifecycle_event !== "npx";
  const base = underNpm && process.env.INIT_CWD ? process.env.INIT_CWD : process.cwd();
  return path.resolve(base, file);
}

/** tsx's command line, run with this Node: how the course runs its TypeScript tools and examples. */
export const tsxCli = path.join(repoRoot, "node_modules", "tsx", "dist", "cli.mjs");
