import { existsSync, readFileSync, realpathSync } from "node:fs";
import path from "node:path";
import type { Plugin } from "vitest/config";
import { compileLearnerModule } from "../confine/compile.ts";
import { grantsFor } from "../confine/grants.ts";
import { shimSource } from "../confine/shim.ts";
import { allExercises, type Course, type Exercise, loadCourse } from "../manifest.ts";
import { exercisesDir, isInside, repoRoot } from "../paths.ts";
import { createRedirect, learnerFileIn, type Target, targetFromEnv } from "../target.ts";
import { isUnconfined } from "./env.ts";

const isRelative = (source: string) => source.startsWith("./") || source.startsWith("../");

/**
 * The files a graded run may load as modules. vitest's main process, outside the sandbox, reads and
 * transforms every module the tests import, so without this list learner code could import what the
 * sandbox hides (solutions/, mutants, another submission) and have it served to it.
 */
export function loadableRoots(target: Target): string[] {
  const roots = [
    path.join(repoRoot, "node_modules"),
    path.join(repoRoot, "exercises"),
    path.join(repoRoot, "grader", "src"),
    path.join(repoRoot, "grader", "harness"),
    path.join(repoRoot, "grader", "vitest.grade.config.ts"),
    path.join(repoRoot, "vitest.config.ts"),
    path.resolve(target.root),
  ];
  // Vite loads modules by their real paths (a symlinked node_modules, say).
  return [...new Set([...roots, ...roots.filter(existsSync).map((root) => realpathSync(root))])];
}

/** Every learner file of the target, absolute, with its exercise and its name in the course. */
function learnerFilesOf(course: Course, target: Target): Map<string, { exercise: Exercise; name: string }> {
  const files = new Map<string, { exercise: Exercise; name: string }>();
  for (const exercise of allExercises(course)) {
    for (const name of exercise.files)
      files.set(path.resolve(learnerFileIn(target, name)), { exercise, name });
  }
  return files;
}

/**
 * A Vite plugin that points every exercise import at the target chosen by the environment (see
 * target.ts), and serves each learner file as a module that runs it confined (confine/shim.ts).
 */
export function courseTargetPlugin(): Plugin {
  const target = targetFromEnv();
  const course = loadCourse();
  const redirect = createRedirect(course, target);
  const learnerFiles = isUnconfined() ? new Map() : learnerFilesOf(course, target);
  // Learners' own `npm test` may import what they like; a graded run of another folder may not.
  const roots = path.resolve(target.root) === exercisesDir ? undefined : loadableRoots(target);
  return {
    name: "course-target",
    enforce: "pre",
    async resolveId(source, importer) {
      if (!importer) return null;
      const from = importer.replace(/[?#].*$/, "");
      if (isRelative(source)) return redirect(path.resolve(path.dirname(from), source), from) ?? null;
      // A submission outside the repository has no node_modules of its own: its package imports resolve
      // as if it sat in the course, so it sees exactly the packages the course installed.
      if (
        path.isAbsolute(from) &&
        !isInside(repoRoot, from) &&
        !source.startsWith("node:") &&
        !path.isAbsolute(source)
      ) {
        return this.resolve(source, path.join(repoRoot, "package.json"), { skipSelf: true });
      }
      return null;
    },
    load(id) {
      const file = id.replace(/[?#].*$/, "");
      const learner = learnerFiles.get(file);
      if (learner) {
        this.addWatchFile(file);
        const compiled = compileLearnerModule(file, readFileSync(file, "utf8"));
        const grants = grantsFor({
          exercise: learner.exercise,
          file,
          targetRoot: path.resolve(target.root),
          courseRoot: repoRoot,
          imports: compiled.imports,
        });
        return shimSource({ compiled, exercise: learner.exercise.id, name: learner.name, grants });
      }
      if (!roots) return null;
      if (!path.isAbsolute(file) || file.startsWith("\0")) return null;
      if (roots.some((root) => isInside(root, file))) return null;
      throw new Error(
        `${file} is outside what a submission may import (its own files, the course's given code and packages)`,
      );
    },
  };
}
