/**
 * Where a worker finds the learner's module. Tests import their exercise through vitest, which points the
 * import at the graded copy (a submission, the solution, a mutant); worker threads load modules without
 * vitest, so a test passes them this file: URL instead of a path of its own.
 */
import { pathToFileURL } from "node:url";
import { fromRoot } from "../src/paths.ts";
import { learnerFileIn, targetFromEnv } from "../src/target.ts";

/** The file: URL of learner file `file` (e.g. "exercises/04-threads/semaphore.ts") in the graded target. */
export function learnerModuleUrl(file: string): string {
  return pathToFileURL(learnerFileIn(targetFromEnv(), file)).href;
}

/** The file: URL of a trusted course file (a scenario module next to a test), never a submission's copy. */
export function courseModuleUrl(file: string): string {
  return pathToFileURL(fromRoot(file)).href;
}
