/**
 * Whose code a module file is: the course's own (trusted: tests, given code, the grader), a learner file
 * of the graded target (runs only confined), or neither (never run). Given code that starts workers and
 * processes asks this before it runs anything a caller named, so learner data cannot choose what runs
 * with full authority.
 */
import { realpathSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { allExercises, loadCourse } from "../manifest.ts";
import { isInside, repoRoot } from "../paths.ts";
import { learnerFileIn, targetFromEnv } from "../target.ts";

export type Owner =
  | { readonly owner: "course"; readonly file: string }
  | { readonly owner: "learner"; readonly file: string; readonly name: string }
  | { readonly owner: "outside"; readonly file: string };

/** Where the course's own modules live; solutions and mutants are not among them. */
const COURSE_ROOTS = ["exercises", "grader/src", "grader/harness", "grader/test/fixtures", "chapters"];

function real(file: string): string | undefined {
  try {
    return realpathSync(file);
  } catch {
    return undefined;
  }
}

/** A path, file: URL string or URL, as an absolute file path. */
export function toFile(module: string | URL): string {
  if (module instanceof URL) return fileURLToPath(module);
  if (/^file:/i.test(module)) return fileURLToPath(module);
  return path.resolve(module);
}

/** Who owns `module` (resolved through links), for the graded target of this process. */
export function ownerOf(module: string | URL): Owner {
  const file = toFile(module);
  const resolved = real(file);
  if (resolved === undefined) return { owner: "outside", file };
  const target = targetFromEnv();
  for (const exercise of allExercises(loadCourse())) {
    for (const name of exercise.files) {
      if (real(learnerFileIn(target, name)) === resolved) return { owner: "learner", file: resolved, name };
    }
  }
  const roots = COURSE_ROOTS.map((root) => real(path.join(repoRoot, root))).filter((r) => r !== undefined);
  const mutants = real(path.join(repoRoot, "grader", "mutants"));
  if (roots.some((root) => isInside(root, resolved)) && !(mutants && isInside(mutants, resolved))) {
    return { owner: "course", file: resolved };
  }
  return { owner: "outside", file: resolved };
}

/**
 * `module` if it is one of `runnable` (the course's own modules that may run: worker entries, task
 * modules), or a teaching example of the chapters; otherwise an error that says what may run. Being the
 * course's code is not enough: a package or a grader module can load whatever its input names.
 */
export function runnableModule(
  module: string | URL,
  runnable: readonly (string | URL)[],
  what: string,
): string {
  const found = ownerOf(module);
  const chapters = real(path.join(repoRoot, "chapters"));
  if (found.owner === "course") {
    const allowed = runnable.map((entry) => real(toFile(entry)));
    if (allowed.includes(found.file) || (chapters && isInside(chapters, found.file))) return found.file;
  }
  throw new Error(
    found.owner === "learner"
      ? `${what} runs the course's own modules; ${found.name} is yours, and your code runs confined (pass a module of the course, e.g. poolWorkerEntry)`
      : `${what} runs only the course's worker entries and task modules, not ${found.file}`,
  );
}

/** `module` if it is the course's own code (a file the course wrote, wherever it is); else an error. */
export function courseModule(module: string | URL, what: string): string {
  const found = ownerOf(module);
  if (found.owner === "course") return found.file;
  throw new Error(`${what} reads only the course's own modules, not ${found.file}`);
}
