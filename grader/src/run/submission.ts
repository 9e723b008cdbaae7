/**
 * A private copy of what a submission may contribute: the manifest's learner files, and nothing else.
 *
 * Tests, given code, configuration and packages always come from the course. Copying just the learner
 * files into a folder of the grader's own means a submission's node_modules, package.json or tsconfig
 * cannot shadow the course's, a symbolic link cannot smuggle in a file from elsewhere (solutions/, another
 * learner's work), and learner code running later cannot change the submission it was graded from.
 *
 * Which links are refused: the folder the user named on the command line (`--dir DIR`, or the folder of
 * `--batch DIR`) is theirs, and so is however it is reached (on macOS /tmp is itself a link). Every name
 * the grader finds below it on its own is the submission's: a batch entry, a clone's exercises/ folder, a
 * chapter folder, the file. None of those may be a link, and the files are copied from what was checked
 * (see no-links.ts).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { allExercises, type Course, type Exercise } from "../manifest.ts";
import { fromRoot, isInside } from "../paths.ts";
import { learnerFileIn, type Target } from "../target.ts";
import { type Found, isRealFolder, readWithoutLinks } from "./no-links.ts";

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

/**
 * Copy the learner files of `exercises` from `source` into `dir` (a fresh folder laid out like exercises/).
 * `namedFolder` is the folder the user named, at or above `source.root`: links below it are refused.
 */
export function prepareSubmission(
  course: Course,
  exercises: readonly Exercise[],
  source: Target,
  dir: string,
  namedFolder: string = source.root,
): PreparedSubmission {
  if (!isInside(namedFolder, source.root))
    throw new Error(`the submission ${source.root} is not inside the folder ${namedFolder}`);
  mkdirSync(dir, { recursive: true });
  const target: Target = { root: dir };
  const read = (file: string) => readSubmissionFile(source, file, namedFolder);
  // Every learner file of the course, not just the graded ones: an exercise may build on another's file.
  const wanted = new Set([...exercises, ...allExercises(course)].flatMap((e) => e.files));
  const files = new Map<string, LearnerFile>();
  for (const file of wanted) {
    const to = learnerFileIn(target, file);
    const found = read(file);
    if (found.kind === "file") {
      mkdirSync(path.dirname(to), { recursive: true });
      writeFileSync(to, found.bytes);
    }
    const refused = refusal(found);
    files.set(file, {
      file,
      absolute: to,
      exists: found.kind !== "missing",
      ...(refused ? { refused } : {}),
    });
  }
  const rootSteps = stepsTo(namedFolder, source);
  return {
    target,
    files,
    // Names only, and only where the walk would not leave the submission through a link.
    shadowing: isRealFolder(namedFolder, rootSteps) ? findShadowing(source.root) : [],
    changedTrusted: changedTrusted(course, read),
  };
}

/** A file of the submission (named as in the manifest), read without following links below `namedFolder`. */
export function readSubmissionFile(source: Target, file: string, namedFolder: string = source.root): Found {
  return readWithoutLinks(namedFolder, stepsTo(namedFolder, source, file), MAX_LEARNER_FILE_BYTES);
}

/** The path components from `namedFolder` down to `file` of `source` (or to `source.root` itself). */
function stepsTo(namedFolder: string, source: Target, file?: string): string[] {
  const absolute = file === undefined ? source.root : learnerFileIn(source, file);
  return path
    .relative(namedFolder, absolute)
    .split(path.sep)
    .filter((step) => step !== "");
}

/** Tests and given code a submission carries (a clone of the course does) that differ from the course's. */
function changedTrusted(course: Course, read: (file: string) => Found): string[] {
  const trusted = allExercises(course).flatMap((e) => [e.test, ...e.given]);
  return trusted
    .filter((file) => {
      const theirs = read(file);
      return theirs.kind === "file" && !theirs.bytes.equals(readFileSync(fromRoot(file)));
    })
    .sort();
}

/** Why a learner file that is there is not graded, said after its name; undefined when it is taken. */
function refusal(found: Found): string | undefined {
  switch (found.kind) {
    case "file":
    case "missing":
      return undefined;
    case "link":
      return found.isTheFile
        ? "is a symbolic link, and links are not followed: commit the file itself"
        : `is reached through ${found.link}, a symbolic link, and links are not followed: commit the file itself`;
    case "not-a-file":
      return "is not a regular file";
    case "too-large":
      return `is ${Math.round(found.bytes / 1024)} KB, over the ${MAX_LEARNER_FILE_BYTES / 1024} KB limit`;
  }
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
