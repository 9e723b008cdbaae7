/**
 * The batch re-grade's speed target: a class of N submissions, graded in parallel, finishes within
 * N × (one submission graded on one core) ÷ cores, plus 20 %. Submissions are copies of the reference
 * solutions, so every exercise runs all its tests.
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { gradeBatch } from "../commands/batch.ts";
import { grade } from "../grade.ts";
import { allExercises, type Course } from "../manifest.ts";
import { solutionsDir } from "../paths.ts";
import { seconds } from "../report/format.ts";
import { Limiter } from "../run/parallel.ts";
import { detectSandbox } from "../run/sandbox.ts";

export async function benchBatch(course: Course, learners = 8): Promise<{ ok: boolean; lines: string[] }> {
  const dir = mkdtempSync(path.join(tmpdir(), "course-bench-batch-"));
  try {
    for (let i = 0; i < learners; i++)
      cpSync(solutionsDir, path.join(dir, "class", `learner-${i}`), { recursive: true });
    const sandbox = detectSandbox().kind;
    const exercises = allExercises(course);
    const singles: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      await grade(course, {
        target: { root: solutionsDir },
        seed: course.grading.seed,
        sandbox,
        limiter: new Limiter(1),
      });
      singles.push(performance.now() - started);
    }
    const single = [...singles].sort((a, b) => a - b)[1]!;
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
    return {
      ok,
      lines: [
        `  ${ok ? "✓" : "✗"} batch of ${learners} submissions   ${seconds(batch).padStart(7)}   target ≤ ${seconds(target)} (${learners} × ${seconds(single)} on one core ÷ ${cores} cores + 20 %)`,
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
