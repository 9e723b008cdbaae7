import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { GRANTABLE_BUILTINS } from "./confine/capabilities.ts";
import { manifestPath, schemaPath } from "./paths.ts";
import { closeMatches } from "./similar.ts";

export type Difficulty = "easy" | "medium" | "hard";

export interface Mutant {
  /** The wrong implementation, relative to the repository root. */
  readonly file: string;
  /** The learner file it stands in for (defaults to the exercise's only file). */
  readonly replaces?: string;
  /** The mistake it makes, in one sentence. */
  readonly mistake: string;
}

/** One promise of an exercise's doc comment or notes section, and the tests that check it (see ledger.ts). */
export interface Clause {
  /** The promise, quoted word for word (whitespace and comment leaders aside). */
  readonly says: string;
  /** Where the quote is: the exercise's files ("stub") or the notes section it points to ("notes"). */
  readonly in: "stub" | "notes";
  /** Full vitest names of the tests that check it; each must be one of the exercise's tests. */
  readonly tests: readonly string[];
}

export interface Exercise {
  readonly id: string;
  readonly title: string;
  readonly difficulty: Difficulty;
  readonly files: readonly string[];
  readonly test: string;
  readonly given: readonly string[];
  /** Modules the learner's code may import (built-ins as facades, given files); see confine/capabilities.ts. */
  readonly capabilities: readonly string[];
  readonly points: number;
  /** Full vitest test name → points. The trusted list of what is scored. */
  readonly tests: Readonly<Record<string, number>>;
  readonly timeoutSeconds?: number;
  /** Memory this exercise's run may hold, in MiB; grading.memoryMiB when omitted. */
  readonly memoryMiB?: number;
  readonly hints: readonly string[];
  readonly notes: string;
  readonly mutants: readonly Mutant[];
  /** The doc-clause ledger: every promise, with the tests that check it. */
  readonly clauses?: readonly Clause[];
}

export interface Chapter {
  readonly id: string;
  readonly title: string;
  readonly notes: string;
  readonly exercises: readonly Exercise[];
}

export interface Course {
  readonly format_version: 1;
  readonly title: string;
  readonly grading: {
    readonly seed: number;
    readonly timeoutSeconds: number;
    /** Resource limits; run/caps.ts has the defaults. */
    readonly memoryMiB?: number;
    readonly typecheckSeconds?: number;
    readonly typecheckMemoryMiB?: number;
  };
  /** Files and folders (ending in "/") learners must not change; tests and given files are added to it. */
  readonly protected: readonly string[];
  readonly chapters: readonly Chapter[];
}

/** A manifest that breaks its schema or its own rules; the message lists every problem. */
export class ManifestError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`grader/course.json is not valid:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ManifestError";
  }
}

export function loadCourse(file = manifestPath): Course {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new ManifestError([`cannot read ${file}: ${(error as Error).message}`]);
  }
  return validateCourse(data);
}

export function validateCourse(data: unknown): Course {
  const ajv = new Ajv({ allErrors: true });
  const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, "utf8")));
  if (!validate(data)) {
    const problems = (validate.errors ?? []).map(
      (e) => `${e.instancePath || "(top level)"} ${e.message ?? "is invalid"}`,
    );
    throw new ManifestError(problems);
  }
  const course = data as Course;
  const problems = ruleProblems(course);
  if (problems.length > 0) throw new ManifestError(problems);
  return course;
}

/** Rules a JSON Schema cannot express: unique ids, ids that match their chapter, points that add up. */
function ruleProblems(course: Course): string[] {
  const problems: string[] = [];
  const seenIds = new Set<string>();
  const seenNames = new Map<string, string>();
  for (const chapter of course.chapters) {
    if (seenIds.has(chapter.id)) problems.push(`chapter ${chapter.id} appears twice`);
    seenIds.add(chapter.id);
    for (const exercise of chapter.exercises) {
      const where = `exercise ${exercise.id}`;
      if (seenIds.has(exercise.id)) problems.push(`${where} appears twice`);
      seenIds.add(exercise.id);
      if (!exercise.id.startsWith(`${chapter.id}/`))
        problems.push(`${where} must start with "${chapter.id}/"`);
      const name = shortName(exercise);
      const other = seenNames.get(name);
      if (other)
        problems.push(
          `${where} has the same short name as ${other}; "npm run hint -- ${name}" would be ambiguous`,
        );
      seenNames.set(name, exercise.id);
      const folder = `exercises/${chapter.id}/`;
      for (const file of [...exercise.files, exercise.test, ...exercise.given]) {
        if (!file.startsWith(folder)) problems.push(`${where}: ${file} must be inside ${folder}`);
      }
      for (const capability of exercise.capabilities) {
        const known = capability.startsWith("node:")
          ? GRANTABLE_BUILTINS.includes(capability)
          : exercise.given.includes(capability);
        if (!known) {
          problems.push(
            `${where}: capability ${capability} is neither a built-in the course offers (${GRANTABLE_BUILTINS.join(", ")}) nor one of its given files`,
          );
        }
      }
      const sum = Object.values(exercise.tests).reduce((a, b) => a + b, 0);
      if (sum !== exercise.points) {
        problems.push(
          `${where}: points is ${exercise.points} but its tests add up to ${sum}; make them agree`,
        );
      }
      if (!exercise.notes.startsWith(`${chapter.notes}#`)) {
        problems.push(`${where}: notes must link into its chapter's notes (${chapter.notes}#…)`);
      }
      for (const mutant of exercise.mutants) {
        const replaces = mutant.replaces ?? (exercise.files.length === 1 ? exercise.files[0] : undefined);
        if (!replaces || !exercise.files.includes(replaces)) {
          problems.push(`${where}: mutant ${mutant.file} must say which of its files it "replaces"`);
        }
      }
    }
  }
  return problems;
}

export function allExercises(course: Course): Exercise[] {
  return course.chapters.flatMap((chapter) => chapter.exercises);
}

export function chapterOf(course: Course, exercise: Exercise): Chapter {
  const chapter = course.chapters.find((c) => c.exercises.includes(exercise));
  if (!chapter) throw new Error(`exercise ${exercise.id} belongs to no chapter`);
  return chapter;
}

/** The name after the chapter: "04-threads/semaphore" → "semaphore". */
export function shortName(exercise: { readonly id: string }): string {
  return exercise.id.slice(exercise.id.indexOf("/") + 1);
}

/** The reference solution of a learner file: "exercises/01-concepts/actor.ts" → "solutions/01-concepts/actor.ts". */
export function solutionOf(learnerFile: string): string {
  return learnerFile.replace(/^exercises\//, "solutions/");
}

/** The learner file a mutant stands in for. */
export function mutantReplaces(exercise: Exercise, mutant: Mutant): string {
  return mutant.replaces ?? exercise.files[0]!;
}

/** An exercise name the course does not know; the message suggests close matches. */
export class UnknownExerciseError extends Error {
  constructor(
    readonly query: string,
    readonly suggestions: readonly string[],
  ) {
    const tail = suggestions.length > 0 ? ` Did you mean: ${suggestions.join(", ")}?` : "";
    super(`There is no exercise "${query}".${tail} (npm run hint lists them all.)`);
    this.name = "UnknownExerciseError";
  }
}

/** Find an exercise by its id ("01-concepts/actor") or its short name ("actor"). */
export function findExercise(course: Course, query: string): Exercise {
  const exercises = allExercises(course);
  const wanted = query
    .trim()
    .replace(/\\/g, "/")
    .replace(/\.(test\.)?ts$/, "")
    .replace(/^exercises\//, "");
  const exact = exercises.find((e) => e.id === wanted || shortName(e) === wanted);
  if (exact) return exact;
  // Match against ids and short names alike, but suggest each exercise once, by its short name.
  const byCandidate = new Map(exercises.flatMap((e) => [[e.id, e] as const, [shortName(e), e] as const]));
  const suggestions = closeMatches(wanted, [...byCandidate.keys()], 6).map((c) =>
    shortName(byCandidate.get(c)!),
  );
  throw new UnknownExerciseError(query, [...new Set(suggestions)].slice(0, 3));
}

/** Every protected path: the manifest's list plus each exercise's tests and given code. */
export function protectedPaths(course: Course): string[] {
  return [...course.protected, ...allExercises(course).flatMap((e) => [e.test, ...e.given])];
}

/** True when `file` (relative to the repository, forward slashes) is protected. */
export function isProtected(course: Course, file: string): boolean {
  return protectedPaths(course).some((p) => (p.endsWith("/") ? file.startsWith(p) : file === p));
}
