/**
 * A learner module, ready to be evaluated anywhere: compiled, with the modules its exercise grants it.
 * Plain data, so a test can post it to the worker threads that run the learner's code there.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { stop as stopEsbuild } from "esbuild";
import { allExercises, loadCourse } from "../manifest.ts";
import { repoRoot } from "../paths.ts";
import { learnerFileIn, type Target, targetFromEnv } from "../target.ts";
import { type CompiledModule, compileLearnerModule } from "./compile.ts";
import { type Grants, grantsFor } from "./grants.ts";
import { importLearnerModule } from "./import.ts";

export interface LearnerModuleRef {
  readonly compiled: CompiledModule;
  readonly exercise: string;
  /** As the course names it: "exercises/04-threads/semaphore.ts". */
  readonly name: string;
  readonly grants: Grants;
}

/** Compile learner file `name` (e.g. "exercises/04-threads/semaphore.ts") of the graded target. */
export function learnerModuleRef(name: string, target: Target = targetFromEnv()): LearnerModuleRef {
  const exercise = allExercises(loadCourse()).find((e) => e.files.includes(name));
  if (!exercise) throw new Error(`${name} is not a learner file of the course (grader/course.json)`);
  const file = path.resolve(learnerFileIn(target, name));
  const compiled = compileLearnerModule(file, readFileSync(file, "utf8"));
  // esbuild keeps a helper process for its next call: end it, so a test never finds it among its children.
  void stopEsbuild();
  const grants = grantsFor({
    exercise,
    file,
    targetRoot: path.resolve(target.root),
    courseRoot: repoRoot,
    imports: compiled.imports,
  });
  return { compiled, exercise: exercise.id, name, grants };
}

/** Compile and load learner file `name` of the graded target, confined: for given code in a worker. */
export function importLearnerFile<T = Record<string, unknown>>(name: string): Promise<T> {
  return importLearnerModule<T>(learnerModuleRef(name));
}
