/**
 * The batch re-grade's speed target: a class of N submissions, graded in parallel, finishes within
 * N × (one submission graded on one core) ÷ cores, plus 20 %. Submissions are copies of the reference
 * solutions, so every exercise runs all its tests.
 *
 * "On one core" is meant literally: the single grade runs in a child pinned to one CPU with taskset.
 * A grade limited to one exercise at a time is not the same thing, because vitest's main process and its
 * test process would still use both cores between them, and the target would then ask the batch for more
 * than the machine has. Where taskset is missing, that weaker measure is used, and the report says so.
 *
 * By default the class grades chapters 1 and 2, so the benchmark takes minutes; `--full` grades every
 * exercise (about 20 minutes on 2 cores).
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { gradeBatch } from "../commands/batch.ts";
import { grade } from "../grade.ts";
import { allExercises, type Course, type Exercise } from "../manifest.ts";
import { repoRoot, solutionsDir, tsxCli } from "../paths.ts";
import { seconds } from "../report/format.ts";
import { Limiter } from "../run/parallel.ts";
import { detectSandbox } from "../run/sandbox.ts";

const QUICK_CHAPTERS = 2;

export interface BatchBenchOptions {
  readonly learners?: number;
  /** Every exercise instead of the first two chapters'. */
  readonly full?: boolean;
}

export async function benchBatch(
  course: Course,
  options: BatchBenchOptions = {},
): Promise<{ ok: boolean; lines: string[] }> {
  const learners = options.learners ?? 8;
  const exercises = options.full
    ? allExercises(course)
    : course.chapters.slice(0, QUICK_CHAPTERS).flatMap((chapter) => chapter.exercises);
  const dir = mkdtempSync(path.join(tmpdir(), "course-bench-batch-"));
  const progress = (what: string) => process.stderr.write(`batch bench: ${what}\n`);
  try {
    for (let i = 0; i < learners; i++)
      cpSync(solutionsDir, path.join(dir, "class", `learner-${i}`), { recursive: true });
    const sandbox = detectSandbox().kind;
    const singles: number[] = [];
    let pinned = true;
    for (let i = 0; i < 3; i++) {
      progress(`one submission on one core, run ${i + 1} of 3`);
      const measured = singleOnOneCore(exercises, course.grading.seed);
      if (measured === undefined) pinned = false;
      singles.push(measured ?? (await singleInProcess(course, exercises, sandbox)));
    }
    const single = [...singles].sort((a, b) => a - b)[1]!;
    progress(`a class of ${learners}`);
    const started = performance.now();
    await gradeBatch(course, path.join(dir, "class"), path.join(dir, "gradebook"), {
      exercises,
      seed: course.grading.seed,
      sandbox,
      quiet: true,
    });
    const batch = performance.now() - started;
    const cores = availableParallelism();
    const target = ((learners * single) / cores) * 1.2;
    const ok = batch <= target;
    const scope = options.full ? `all ${exercises.length} exercises` : `chapters 1–${QUICK_CHAPTERS}`;
    return {
      ok,
      lines: [
        `  ${learners} submissions of ${scope}; one submission on one core ${pinned ? "(taskset)" : "(one exercise at a time: taskset not found, so the target is stricter than it should be)"}: ${seconds(single)} (median of 3)`,
        `  ${ok ? "✓" : "✗"} batch of ${learners} submissions   ${seconds(batch).padStart(7)}   target ≤ ${seconds(target)} (${learners} × ${seconds(single)} ÷ ${cores} cores + 20 %)`,
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Milliseconds to grade the solutions in a child pinned to CPU 0, or undefined where taskset is missing. */
function singleOnOneCore(exercises: readonly Exercise[], seed: number): number | undefined {
  const args = [
    "-c",
    "0",
    process.execPath,
    tsxCli,
    "grader/src/cli.ts",
    "grade",
    "--dir",
    "solutions",
    "--quiet",
    "--seed",
    String(seed),
    ...exercises.flatMap((e) => ["--only", e.id]),
  ];
  const started = performance.now();
  const run = spawnSync("taskset", args, { cwd: repoRoot, stdio: ["ignore", "ignore", "pipe"] });
  if ((run.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") return undefined;
  if (run.status !== 0 && run.status !== 1)
    throw new Error(
      `grading the solutions on one core failed: ${String(run.stderr).trim().split("\n").at(-1)}`,
    );
  return performance.now() - started;
}

async function singleInProcess(
  course: Course,
  exercises: readonly Exercise[],
  sandbox: ReturnType<typeof detectSandbox>["kind"],
): Promise<number> {
  const started = performance.now();
  await grade(course, {
    target: { root: solutionsDir },
    exercises,
    seed: course.grading.seed,
    sandbox,
    limiter: new Limiter(1),
  });
  return performance.now() - started;
}
