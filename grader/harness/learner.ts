/**
 * Where a worker finds the learner's module. Tests import their exercise through vitest, which serves
 * the graded copy (a submission, the solution, a mutant) confined; worker threads load modules without
 * vitest, so a test hands them the learner's module compiled, and the worker evaluates it confined too
 * (importLearnerModule, grader/src/confine/import.ts).
 */
import { pathToFileURL } from "node:url";
import { confinedRealm } from "../src/confine/load.ts";
import { type LearnerModuleRef, learnerModuleRef } from "../src/confine/module-ref.ts";
import { fromRoot } from "../src/paths.ts";
import { isUnconfined } from "../src/vitest/env.ts";

export { importLearnerModule } from "../src/confine/import.ts";
export type { LearnerModuleRef };

/**
 * Learner file `file` (e.g. "exercises/04-threads/semaphore.ts") of the graded target, compiled and with
 * the modules its exercise grants: plain data to post to a worker, which loads it with importLearnerModule.
 */
export function learnerModule(file: string): LearnerModuleRef {
  return learnerModuleRef(file);
}

/** The file: URL of a trusted course file (a scenario module next to a test), never a submission's copy. */
export function courseModuleUrl(file: string): string {
  return pathToFileURL(fromRoot(file)).href;
}

/**
 * Hand `value` (an array or object of the test's) to the code under test to be written: a sink's `into`
 * array. Everything else a test passes is read-only to learner code (grader/src/confine/membrane.ts).
 */
export function writableByLearner<T extends object>(value: T): T {
  return isUnconfined() ? value : confinedRealm().membrane.allowWrites(value);
}
