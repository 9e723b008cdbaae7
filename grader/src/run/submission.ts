/**
 * A private copy of what a submission may contribute: the manifest's learner files, and nothing else.
 *
 * Tests, given code, configuration and packages always come from the course. Copying just the learner
 * files into a folder of the grader's own means a submission's node_modules, package.json or tsconfig
 * cannot shadow the course's, a symbolic link cannot smuggle in a file from elsewhere (solutions/, another
 * learner's work), and learner code running later cannot change the submission it was graded from.
 */
import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { allExercises, type Course, type Exercise } from "../manifest.ts";
import { fromRoot } from "../paths.ts";
import { learnerFileIn, type Target } from "../target.ts";

/** Larger learner files are refused: no exercise needs them, and they would only slow grading down. */
export const MAX_LEARNER_FILE_BYTES = 1024 * 1024;

export interface LearnerFile {
  /** As the manifest names it, e.g. "exercises/01-concepts/actor.ts". */
  readonly file: string;
  /** Where the grader reads it: inside the private copy. */
  readonly absolute: string;
  readonly exists: boolean;
  /** Why a file that is there was not taken (a link, too large, not a regular file). */
  readonly refused?: string;
}

export interface PreparedSubmission {
  readonly target: Target;
  readonly files: ReadonlyMap<string, LearnerFile>;
  /** Files in the submission that would shadow the course's (ignored for grading), relative to it. */
  readonly shadowing: readonly string[];
  /** The course's tests and given code that the submission has in a changed form (ignored for grading). */
  readonly changedTrusted: readonly string[];
}

/** Names that, inside a submission, could change how the course's code resolves or compiles. */
const SHADOWING =
  /^(node_modules|package\.json|package-lock\.json|tsconfig(\..*)?\.json|\.npmrc|vitest\.config\..*|vite\.config\..*|\.pnp\.c?js|bunfig\.toml)$/;

/** Copy the learner files of `exercises` from `source` into `dir` (a fresh folder laid out like exercises/). */
export function prepareSubmission(
  course: Course,
  exercises: readonly Exercise[],
  source: Target,
  dir: string,
): PreparedSubmission {
  mkdirSync(dir, { recursive: true });
  const target: Target = { root: dir };
  // Every learner file of the course, not just the graded ones: an exercise may build on another's file.
  const wanted = new Set([...exercises, ...allExercises(course)].flatMap((e) => e.files));
  const files = new Map<string, LearnerFile>();
  for (const file of wanted) {
    const from = learnerFileIn(source, file);
    const to = learnerFileIn(target, file);
    const refused = refusal(from);
    const exists = existsSync(from) || refused !== undefined;
    if (exists && refused === undefined) {
      mkdirSync(path.dirname(to), { recursive: true });
      copyFileSync(from, to);
    }
    files.set(file, { file, absolute: to, exists, ...(refused ? { refused } : {}) });
  }
  return {
    target,
    files,
    shadowing: findShadowing(source.root),
    changedTrusted: changedTrusted(course, source),
  };
}

/** Tests and given code a submission carries (a clone of the course does) that differ from the course's. */
function changedTrusted(course: Course, source: Target): string[] {
  const trusted = allExercises(course).flatMap((e) => [e.test, ...e.given]);
  return trusted
    .filter((file) => {
      const theirs = learnerFileIn(source, file);
      if (!existsSync(theirs) || !lstatSync(theirs).isFile()) return false;
      return !readFileSync(theirs).equals(readFileSync(fromRoot(file)));
    })
    .sort();
}

function refusal(file: string): string | undefined {
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(file);
  } catch {
    return undefined;
  }
  if (stat.isSymbolicLink()) return "is a symbolic link; commit the file itself";
  if (!stat.isFile()) return "is not a regular file";
  if (stat.size > MAX_LEARNER_FILE_BYTES)
    return `is ${Math.round(stat.size / 1024)} KB, over the ${MAX_LEARNER_FILE_BYTES / 1024} KB limit`;
  return undefined;
}

/** Shadowing files anywhere in the submission (two levels deep is where they would take effect). */
function findShadowing(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries: import("node:fs").Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const relative = path.relative(root, path.join(dir, entry.name)).split(path.sep).join("/");
      if (SHADOWING.test(entry.name)) found.push(entry.isDirectory() ? `${relative}/` : relative);
      else if (entry.isDirectory() && !entry.isSymbolicLink() && depth < 3 && entry.name !== ".git")
        walk(path.join(dir, entry.name), depth + 1);
    }
  };
  if (existsSync(root)) walk(root, 0);
  return found.sort();
}
