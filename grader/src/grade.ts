/**
 * Grading, from a plan to a report: which learner files exist, whether they compile, then each exercise's
 * trusted tests in an isolated run (several at once), then scores. Used by `grade`, `verify` and batch mode.
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { allExercises, type Course, chapterOf, type Exercise, shortName } from "./manifest.ts";
import { fromRoot, scratchDir } from "./paths.ts";
import type { Integrity, Report } from "./report/types.ts";
import { type IsolatedRun, runIsolated } from "./run/isolate.ts";
import { mapLimit } from "./run/parallel.ts";
import { type Diagnostic, typecheck } from "./run/typecheck.ts";
import { type Evidence, type ExerciseReport, firstLine, scoreExercise } from "./score.ts";
import { learnerFileIn, type Target } from "./target.ts";
import { graderVersion } from "./version.ts";

export interface GradeOptions {
  readonly target: Target;
  /** Exercises to grade, in course order; all when omitted. */
  readonly exercises?: readonly Exercise[];
  readonly seed: number;
  /** Overrides every exercise's wall-clock limit. */
  readonly timeoutSeconds?: number;
  readonly concurrency?: number;
  /** Type-check learner files first (compile errors become "compile-error"). */
  readonly typecheck?: boolean;
  readonly integrity?: Integrity;
  readonly onProgress?: (event: ProgressEvent) => void;
}

export type ProgressEvent =
  | { readonly kind: "typecheck" }
  | { readonly kind: "start"; readonly exercise: Exercise; readonly total: number }
  | { readonly kind: "done"; readonly report: ExerciseReport; readonly done: number; readonly total: number };

let runCounter = 0;

export async function grade(course: Course, options: GradeOptions): Promise<Report> {
  const started = performance.now();
  const exercises = options.exercises ?? allExercises(course);
  const workRoot = path.join(scratchDir, `run-${process.pid}-${Date.now()}-${runCounter++}`);
  mkdirSync(workRoot, { recursive: true });
  try {
    const located = exercises.map((exercise) => ({
      exercise,
      learnerFiles: locateLearnerFiles(exercise, options.target),
    }));

    let diagnostics: Diagnostic[] = [];
    if (options.typecheck !== false) {
      options.onProgress?.({ kind: "typecheck" });
      const files = located.flatMap((l) => l.learnerFiles.filter((f) => f.exists).map((f) => f.absolute));
      diagnostics = await typecheck(files, options.target.root, path.join(workRoot, "typecheck"));
    }

    let done = 0;
    const reports = await mapLimit(
      located,
      options.concurrency ?? availableParallelism(),
      async ({ exercise, learnerFiles }) => {
        options.onProgress?.({ kind: "start", exercise, total: located.length });
        const report = await gradeExercise(course, {
          exercise,
          target: options.target,
          seed: options.seed,
          ...(options.timeoutSeconds !== undefined ? { timeoutSeconds: options.timeoutSeconds } : {}),
          learnerFiles,
          diagnostics,
          workDir: path.join(workRoot, slug(exercise)),
        });
        options.onProgress?.({ kind: "done", report, done: ++done, total: located.length });
        return report;
      },
    );

    return buildReport(course, reports, {
      seed: options.seed,
      seconds: (performance.now() - started) / 1000,
      integrity: options.integrity ?? { ok: true, changed_protected_files: [] },
    });
  } finally {
    rmSync(workRoot, { recursive: true, force: true });
  }
}

export interface ExerciseJob {
  readonly exercise: Exercise;
  readonly target: Target;
  readonly seed: number;
  readonly timeoutSeconds?: number;
  /** Where each learner file is and whether it exists; computed from the target when omitted. */
  readonly learnerFiles?: Evidence["learnerFiles"];
  /** Compiler diagnostics of the whole target; only this exercise's files count. */
  readonly diagnostics?: readonly Diagnostic[];
  /** A folder of its own for this job's scratch files. */
  readonly workDir: string;
}

/** Grade one exercise against one target: the unit that grade, verify and batch mode all share. */
export async function gradeExercise(course: Course, job: ExerciseJob): Promise<ExerciseReport> {
  const { exercise } = job;
  const learnerFiles = job.learnerFiles ?? locateLearnerFiles(exercise, job.target);
  const mine = new Set(learnerFiles.map((f) => f.absolute));
  const diagnostics = (job.diagnostics ?? []).filter((d) => mine.has(d.file));
  const timeoutMs = 1000 * (job.timeoutSeconds ?? exercise.timeoutSeconds ?? course.grading.timeoutSeconds);
  const runnable = learnerFiles.every((f) => f.exists) && diagnostics.length === 0;
  const runs = runnable ? await runWithRetryAfterHang(job, timeoutMs) : [];
  return scoreExercise({
    exercise,
    chapter: chapterOf(course, exercise).id,
    learnerFiles,
    diagnostics,
    runs,
    timeoutMs,
  });
}

export function locateLearnerFiles(exercise: Exercise, target: Target): Evidence["learnerFiles"] {
  return exercise.files.map((file) => {
    const absolute = learnerFileIn(target, file);
    return { file, absolute, exists: existsSync(absolute) };
  });
}

/**
 * Run the exercise's tests; if the run hung in a test we can name, run once more without that test so
 * the other tests still earn their points.
 */
async function runWithRetryAfterHang(job: ExerciseJob, timeoutMs: number): Promise<IsolatedRun[]> {
  const { workDir } = job;
  const common = { testFiles: [fromRoot(job.exercise.test)], target: job.target, seed: job.seed, timeoutMs };
  const first = await runIsolated({ ...common, workDir: path.join(workDir, "1") });
  if (!first.timedOut || first.runningTest === undefined) return [first];
  const second = await runIsolated({
    ...common,
    workDir: path.join(workDir, "2"),
    skip: [first.runningTest],
  });
  return [first, second];
}

export function slug(exercise: Exercise): string {
  return exercise.id.replace(/[^a-z0-9-]+/gi, "_");
}

export function buildReport(
  course: Course,
  exercises: readonly ExerciseReport[],
  meta: { seed: number; seconds: number; integrity: Integrity },
): Report {
  const score = exercises.reduce((sum, e) => sum + e.score, 0);
  const maxScore = exercises.reduce((sum, e) => sum + e.max_score, 0);
  const chapters = course.chapters
    .map((chapter) => {
      const mine = exercises.filter((e) => e.chapter === chapter.id);
      return {
        id: chapter.id,
        title: chapter.title,
        score: mine.reduce((s, e) => s + e.score, 0),
        max_score: mine.reduce((s, e) => s + e.max_score, 0),
        count: mine.length,
      };
    })
    .filter((c) => c.count > 0)
    .map(({ count: _count, ...chapter }) => chapter);
  const nextExercise = exercises.find((e) => e.status !== "passed");
  const next = nextExercise
    ? { id: nextExercise.id, command: `npm run hint -- ${shortName(nextExercise)}` }
    : null;
  const counts = exercises.reduce<Record<string, number>>((acc, e) => {
    acc[e.status] = (acc[e.status] ?? 0) + 1;
    return acc;
  }, {});
  const output = [
    `Score ${score}/${maxScore} over ${exercises.length} exercises (${Object.entries(counts)
      .map(([status, n]) => `${n} ${status}`)
      .join(", ")}).`,
    ...exercises
      .filter((e) => e.status !== "passed")
      .map((e) => `${e.id}: ${e.status}: ${firstLine(e.message)}`),
    ...(meta.integrity.ok
      ? []
      : [
          `Protected files changed (ignored for grading): ${meta.integrity.changed_protected_files.join(", ")}`,
        ]),
  ].join("\n");
  return {
    score,
    max_score: maxScore,
    execution_time: Math.round(meta.seconds * 10) / 10,
    output,
    tests: exercises.flatMap((e) => e.tests),
    exercises,
    chapters,
    integrity: meta.integrity,
    seed: meta.seed,
    grader_version: graderVersion,
    next,
  };
}
