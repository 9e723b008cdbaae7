/**
 * What confinement costs: each exercise's reference solution graded with its learner code confined
 * (lockdown, compartments, the membrane: as every grade runs) and unconfined (as before confinement),
 * one run at a time, alternating, so the machine's drift falls on both alike. Reports the median of each
 * per exercise and for the whole course, against the target of at most 10 % more.
 */
import path from "node:path";
import { gradeExercise, slug } from "../grade.ts";
import { allExercises, type Course } from "../manifest.ts";
import { scratchDir, solutionsDir } from "../paths.ts";
import { seconds } from "../report/format.ts";
import { detectSandbox } from "../run/sandbox.ts";

/** Confinement may add at most this share to the grading time of the course. */
export const TARGET_OVERHEAD = 0.1;

const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export interface ConfinementBenchOptions {
  readonly runs: number;
  /** Only these exercises (ids); all when empty. */
  readonly only?: readonly string[];
}

export async function benchConfinement(
  course: Course,
  { runs, only = [] }: ConfinementBenchOptions,
): Promise<{ ok: boolean; lines: string[] }> {
  const exercises = allExercises(course).filter((e) => only.length === 0 || only.includes(e.id));
  const sandbox = detectSandbox().kind;
  const lines: string[] = [];
  let confinedTotal = 0;
  let plainTotal = 0;
  for (const [index, exercise] of exercises.entries()) {
    const times = { confined: [] as number[], unconfined: [] as number[] };
    for (let run = 0; run < runs; run++) {
      for (const mode of ["confined", "unconfined"] as const) {
        const report = await gradeExercise(course, {
          exercise,
          target: { root: solutionsDir },
          seed: course.grading.seed,
          sandbox,
          workDir: path.join(
            scratchDir,
            `bench-confinement-${process.pid}`,
            slug(exercise),
            `${mode}-${run}`,
          ),
          unconfined: mode === "unconfined",
        });
        if (report.status !== "passed")
          throw new Error(`${exercise.id} ${mode}: ${report.status}: ${report.message}`);
        times[mode].push(report.duration_ms);
      }
    }
    const confined = median(times.confined);
    const plain = median(times.unconfined);
    confinedTotal += confined;
    plainTotal += plain;
    const line = `    ${exercise.id.padEnd(28)} ${seconds(plain).padStart(7)} → ${seconds(confined).padStart(7)}   ${percent(confined / plain - 1)}`;
    lines.push(line);
    process.stderr.write(`[${index + 1}/${exercises.length}]${line}\n`);
  }
  const overhead = confinedTotal / plainTotal - 1;
  const ok = overhead <= TARGET_OVERHEAD;
  return {
    ok,
    lines: [
      `confinement (median of ${runs} runs each, one exercise run at a time, sandbox: ${sandbox})`,
      `  ${ok ? "✓" : "✗"} whole course ${seconds(plainTotal).padStart(7)} → ${seconds(confinedTotal).padStart(7)}   ${percent(overhead)}   target ≤ +${Math.round(100 * TARGET_OVERHEAD)} %`,
      "    per exercise (unconfined → confined):",
      ...lines,
    ],
  };
}

function percent(share: number): string {
  return `${share >= 0 ? "+" : ""}${Math.round(100 * share)} %`;
}
