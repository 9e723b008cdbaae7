/**
 * Grading, from a plan to a report: which learner files exist, whether they compile, then each exercise's
 * trusted tests in an isolated run (several at once), then scores. Used by `grade`, `verify` and batch mode.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { allExercises, type Course, chapterOf, type Exercise, shortName } from "./manifest.ts";
import { fromRoot, scratchDir } from "./paths.ts";
import { cleanUntrusted } from "./report/clean-report.ts";
import { integrityWarnings } from "./report/terminal.ts";
import type { Integrity, Report } from "./report/types.ts";
import { DEFAULT_RUN_MEMORY_MIB } from "./run/caps.ts";
import { importDiagnostics } from "./run/imports.ts";
import { type IsolatedRun, runIsolated } from "./run/isolate.ts";
import { Limiter } from "./run/parallel.ts";
import { allocateId, detectSandbox, handOver, type SandboxKind } from "./run/sandbox.ts";
import { prepareSubmission } from "./run/submission.ts";
import { DEFAULT_TYPECHECK_LIMITS, type Diagnostic, typecheck } from "./run/typecheck.ts";
import { type Evidence, type ExerciseReport, firstLine, scoreExercise } from "./score.ts";
import { loadSignatures, withLikelyMistakes } from "./signatures.ts";
import { learnerFileIn, type Target } from "./target.ts";
import { graderVersion } from "./version.ts";
import { TEST_TIMEOUT_MS } from "./vitest/env.ts";

export interface GradeOptions {
  readonly target: Target;
  /**
   * The folder the user named (`--dir`, or the folder of `--batch`), at or above `target.root`: every
   * folder and file below it on the way to a learner file must be real, never a symbolic link (see
   * run/submission.ts). Default: `target.root`.
   */
  readonly namedFolder?: string;
  /** Exercises to grade, in course order; all when omitted. */
  readonly exercises?: readonly Exercise[];
  readonly seed: number;
  /** Overrides every exercise's wall-clock limit. */
  readonly timeoutSeconds?: number;
  readonly concurrency?: number;
  /** Shared with other gradings (a batch): every process this grading starts goes through it. */
  readonly limiter?: Limiter;
  /** Type-check learner files first (compile errors become "compile-error"). */
  readonly typecheck?: boolean;
  /** Protected files a pull request changed (from `ci integrity`); the rest of `integrity` is ours. */
  readonly changedProtectedFiles?: readonly string[];
  /** Where learner code runs; the strongest protection the machine offers when omitted. */
  readonly sandbox?: SandboxKind;
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
  const sandbox = options.sandbox ?? detectSandbox().kind;
  const gid = sandbox === "unprivileged user" ? allocateId() : undefined;
  const limiter = options.limiter ?? new Limiter(options.concurrency ?? availableParallelism());
  const workRoot = path.join(scratchDir, `run-${process.pid}-${Date.now()}-${runCounter++}`);
  mkdirSync(workRoot, { recursive: true });
  try {
    // Grade a private copy of just the learner files: see run/submission.ts.
    const submission = prepareSubmission(
      course,
      exercises,
      options.target,
      path.join(workRoot, "submission"),
      options.namedFolder,
    );
    // As an unprivileged user, only this submission's runs (its group) may read its private copy.
    if (gid !== undefined) handOver(submission.target.root, { uid: 0, gid }, "group");
    const located = exercises.map((exercise) => ({
      exercise,
      learnerFiles: exercise.files.map((file) => submission.files.get(file)!),
    }));

    let diagnostics: Diagnostic[] = [];
    if (options.typecheck !== false) {
      options.onProgress?.({ kind: "typecheck" });
      const files = located.flatMap((l) =>
        l.learnerFiles.filter((f) => f.exists && !f.refused).map((f) => f.absolute),
      );
      diagnostics = await typecheck(files, submission.target.root, path.join(workRoot, "typecheck"), {
        limits: {
          seconds: course.grading.typecheckSeconds ?? DEFAULT_TYPECHECK_LIMITS.seconds,
          memoryMiB: course.grading.typecheckMemoryMiB ?? DEFAULT_TYPECHECK_LIMITS.memoryMiB,
        },
        schedule: (task) => limiter.run(task),
      });
    }

    // Imports outside an exercise's capabilities fail every test alike: reported once, as compile errors.
    diagnostics = [
      ...diagnostics,
      ...importDiagnostics(
        located.flatMap(({ exercise, learnerFiles }) =>
          learnerFiles.filter((f) => f.exists && !f.refused).map((f) => ({ exercise, absolute: f.absolute })),
        ),
        submission.target.root,
      ),
    ];

    let done = 0;
    const signatures = loadSignatures();
    const reports = await Promise.all(
      located.map(({ exercise, learnerFiles }) =>
        limiter.run(async () => {
          options.onProgress?.({ kind: "start", exercise, total: located.length });
          const graded = await gradeExercise(course, {
            exercise,
            target: submission.target,
            seed: options.seed,
            sandbox,
            ...(gid !== undefined ? { gid } : {}),
            ...(options.timeoutSeconds !== undefined ? { timeoutSeconds: options.timeoutSeconds } : {}),
            learnerFiles,
            diagnostics,
            workDir: path.join(workRoot, slug(exercise)),
          });
          const report = withLikelyMistakes(graded, signatures);
          options.onProgress?.({ kind: "done", report, done: ++done, total: located.length });
          return report;
        }),
      ),
    );

    const changed = [
      ...new Set([...(options.changedProtectedFiles ?? []), ...submission.changedTrusted]),
    ].sort();
    const tampering = reports
      .filter((r) => r.status === "tampered")
      .map((r) => ({ exercise: r.id, reason: r.message }));
    return buildReport(course, reports, {
      seed: options.seed,
      seconds: (performance.now() - started) / 1000,
      integrity: {
        ok: changed.length === 0 && tampering.length === 0 && submission.shadowing.length === 0,
        changed_protected_files: changed,
        sandbox,
        tampering,
        ignored_files: [...submission.shadowing],
      },
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
  /** Where learner code runs; "none" when omitted. */
  readonly sandbox?: SandboxKind;
  /** For "unprivileged user": the submission's group, which alone may read its private copy. */
  readonly gid?: number;
  /** Where each learner file is and whether it exists; computed from the target when omitted. */
  readonly learnerFiles?: Evidence["learnerFiles"];
  /** Compiler diagnostics of the whole target; only this exercise's files count. */
  readonly diagnostics?: readonly Diagnostic[];
  /** A folder of its own for this job's scratch files. */
  readonly workDir: string;
  /** Run the learner code unconfined: only the confinement benchmark, on the trusted solutions. */
  readonly unconfined?: boolean;
}

/** Grade one exercise against one target: the unit that grade, verify and batch mode all share. */
export async function gradeExercise(course: Course, job: ExerciseJob): Promise<ExerciseReport> {
  const { exercise } = job;
  const learnerFiles = job.learnerFiles ?? locateLearnerFiles(exercise, job.target);
  const mine = new Set(learnerFiles.map((f) => f.absolute));
  const diagnostics = (job.diagnostics ?? []).filter((d) => mine.has(d.file));
  const ownLimitMs = 1000 * (exercise.timeoutSeconds ?? course.grading.timeoutSeconds);
  const timeoutMs = job.timeoutSeconds !== undefined ? 1000 * job.timeoutSeconds : ownLimitMs;
  // A raised limit (verify's slack for solutions, `--timeout` on a slow machine) raises each test's too:
  // otherwise the fixed per-test limit would decide on a slow machine what the exercise limit allows.
  const testTimeoutMs = Math.round(TEST_TIMEOUT_MS * Math.max(1, timeoutMs / ownLimitMs));
  const runnable = learnerFiles.every((f) => f.exists && !f.refused) && diagnostics.length === 0;
  const trusted = trustedFilesOf(exercise);
  const before = runnable ? digest(trusted) : new Map<string, string>();
  const memoryMiB = exercise.memoryMiB ?? course.grading.memoryMiB ?? DEFAULT_RUN_MEMORY_MIB;
  const runs = runnable ? await runWithRetryAfterHang(job, { timeoutMs, testTimeoutMs, memoryMiB }) : [];
  const after = runnable ? digest(trusted) : before;
  const changedTrustedFiles = trusted.filter((file) => before.get(file) !== after.get(file));
  // Messages and outputs quote the learner's code and file names: from here on they are clean text.
  const report = scoreExercise({
    exercise,
    chapter: chapterOf(course, exercise).id,
    learnerFiles,
    diagnostics,
    runs,
    timeoutMs,
    changedTrustedFiles,
  });
  return cleanUntrusted(report);
}

export function locateLearnerFiles(exercise: Exercise, target: Target): Evidence["learnerFiles"] {
  return exercise.files.map((file) => {
    const absolute = learnerFileIn(target, file);
    return { file, absolute, exists: existsSync(absolute) };
  });
}

/** The report of one run of an exercise's tests on its own (a replay, a test run alone): no type-check. */
export function scoreOneRun(
  course: Course,
  exercise: Exercise,
  target: Target,
  run: IsolatedRun,
  timeoutMs: number,
): ExerciseReport {
  return scoreExercise({
    exercise,
    chapter: chapterOf(course, exercise).id,
    learnerFiles: locateLearnerFiles(exercise, target),
    diagnostics: [],
    runs: [run],
    timeoutMs,
  });
}

/** Runs of one exercise at most, counting the re-runs around tests that hung. */
const MAX_RUNS = 4;

/**
 * Run the exercise's tests. A test that blocks its thread for good takes down with it the results vitest
 * had not yet sent, so after a hang in a test we can name, the tests before it and the tests after it
 * run again, each part on its own, without it: every test that does not hang still earns its points.
 * The parts follow the manifest's order of tests, which is the order of the test file.
 */
async function runWithRetryAfterHang(
  job: ExerciseJob,
  limits: { readonly timeoutMs: number; readonly testTimeoutMs: number; readonly memoryMiB: number },
): Promise<IsolatedRun[]> {
  const common = {
    testFiles: [fromRoot(job.exercise.test)],
    target: job.target,
    seed: job.seed,
    ...limits,
    sandbox: job.sandbox ?? "none",
    ...(job.gid !== undefined ? { gid: job.gid } : {}),
    ...(job.unconfined ? { unconfined: true } : {}),
  };
  const order = Object.keys(job.exercise.tests);
  const hung = new Set<string>();
  const parts: Array<readonly [number, number]> = [[0, order.length]];
  const runs: IsolatedRun[] = [];
  while (parts.length > 0 && runs.length < MAX_RUNS) {
    const [from, to] = parts.shift()!;
    const skip = order.filter((name, index) => index < from || index >= to || hung.has(name));
    const run = await runIsolated({
      ...common,
      workDir: path.join(job.workDir, String(runs.length + 1)),
      skip,
    });
    runs.push(run);
    const at = run.timedOut && run.runningTest !== undefined ? order.indexOf(run.runningTest) : -1;
    if (at < from || at >= to || hung.has(order[at]!)) continue;
    hung.add(order[at]!);
    parts.unshift(
      ...(
        [
          [from, at],
          [at + 1, to],
        ] as const
      ).filter(([a, b]) => b > a),
    );
  }
  return runs;
}

/**
 * Files whose change during a run would mean the run wrote to what every later grade trusts: the
 * exercise's test and given code, the harness and the grader's test-time code. Inside a sandbox they
 * are read-only; this check also covers a run without one.
 */
function trustedFilesOf(exercise: Exercise): string[] {
  const folders = ["grader/harness", "grader/src/vitest", "grader/src/confine"];
  const inFolders = folders.flatMap((folder) =>
    readdirSync(fromRoot(folder))
      .map((name) => `${folder}/${name}`)
      .filter((file) => statSync(fromRoot(file)).isFile()),
  );
  return [
    exercise.test,
    ...exercise.given,
    "grader/course.json",
    "grader/vitest.grade.config.ts",
    ...inFolders,
  ];
}

function digest(files: readonly string[]): Map<string, string> {
  return new Map(
    files.map((file) => {
      const absolute = fromRoot(file);
      const hash = existsSync(absolute)
        ? createHash("sha256").update(readFileSync(absolute)).digest("hex")
        : "";
      return [file, hash] as const;
    }),
  );
}

export function slug(exercise: Exercise): string {
  return exercise.id.replace(/[^a-z0-9-]+/gi, "_");
}

export function buildReport(
  course: Course,
  untrustedExercises: readonly ExerciseReport[],
  meta: { seed: number; seconds: number; integrity: Integrity },
): Report {
  // Clean before the summary quotes them: a line break in a message must not start a line of `output`.
  const exercises = cleanUntrusted(untrustedExercises);
  const integrity = cleanUntrusted(meta.integrity);
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
    ...integrityWarnings({ integrity }),
  ].join("\n");
  return {
    score,
    max_score: maxScore,
    execution_time: Math.round(meta.seconds * 10) / 10,
    output,
    tests: exercises.flatMap((e) => e.tests),
    exercises,
    chapters,
    integrity,
    seed: meta.seed,
    grader_version: graderVersion,
    next,
  };
}
