/**
 * `npm run grade -- --repeat N`: a flake detector. Grades the same submission N times, each with another
 * fast-check seed, and reports every exercise whose status or score was not the same every time. For
 * the reference solutions any disagreement is a flaky test (or a solution that is only right by luck).
 */
import { grade } from "../grade.ts";
import type { Course, Exercise } from "../manifest.ts";
import type { SandboxKind } from "../run/sandbox.ts";
import type { ExerciseReport } from "../score.ts";
import type { Target } from "../target.ts";

export interface Disagreement {
  readonly exercise: string;
  /** "status score" per seed, e.g. { 1: "passed 10", 2: "partial 7" }. */
  readonly outcomes: Readonly<Record<number, string>>;
}

/** Exercises whose outcome was not the same under every seed. */
export function disagreements(
  runs: ReadonlyArray<{ seed: number; exercises: readonly ExerciseReport[] }>,
): Disagreement[] {
  const ids = [...new Set(runs.flatMap((r) => r.exercises.map((e) => e.id)))];
  return ids.flatMap((exercise) => {
    const outcomes: Record<number, string> = {};
    for (const run of runs) {
      const report = run.exercises.find((e) => e.id === exercise);
      outcomes[run.seed] = report ? `${report.status} ${report.score}` : "not graded";
    }
    return new Set(Object.values(outcomes)).size > 1 ? [{ exercise, outcomes }] : [];
  });
}

export async function gradeRepeatedly(
  course: Course,
  options: {
    target: Target;
    namedFolder?: string;
    exercises: readonly Exercise[];
    seed: number;
    times: number;
    sandbox: SandboxKind;
    timeoutSeconds?: number;
  },
): Promise<number> {
  const started = performance.now();
  const runs: Array<{ seed: number; exercises: readonly ExerciseReport[] }> = [];
  for (let i = 0; i < options.times; i++) {
    const seed = options.seed + i;
    const report = await grade(course, {
      target: options.target,
      ...(options.namedFolder !== undefined ? { namedFolder: options.namedFolder } : {}),
      exercises: options.exercises,
      seed,
      sandbox: options.sandbox,
      ...(options.timeoutSeconds !== undefined ? { timeoutSeconds: options.timeoutSeconds } : {}),
    });
    runs.push({ seed, exercises: report.exercises });
    process.stderr.write(`[${i + 1}/${options.times}] seed ${seed}: ${report.score}/${report.max_score}\n`);
  }
  const found = disagreements(runs);
  const seconds = Math.round((performance.now() - started) / 1000);
  if (found.length === 0) {
    console.log(
      `${options.times} gradings (seeds ${options.seed}–${options.seed + options.times - 1}) agree on all ${options.exercises.length} exercises: 0 disagreements, ${seconds} s.`,
    );
    return 0;
  }
  console.log(`${found.length} exercise(s) graded differently under different seeds (${seconds} s):`);
  for (const { exercise, outcomes } of found) {
    const seeds = Object.entries(outcomes)
      .map(([seed, outcome]) => `seed ${seed}: ${outcome}`)
      .join("; ");
    console.log(`  ✗ ${exercise}: ${seeds}`);
    console.log(`    replay one: npm run grade -- --only ${exercise} --seed <seed>`);
  }
  return 1;
}
