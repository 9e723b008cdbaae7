/**
 * `npm run bench`: the speed targets, measured rather than asserted in unit tests (timing tests flake).
 * Grades the reference solutions a few times and reports the median against each target, and how long
 * each exercise's tests take. Exits 1 when a target is missed.
 */
import { parseArgs } from "node:util";
import { poolBenchCommand } from "../bench/pool.ts";
import { grade } from "../grade.ts";
import { loadCourse } from "../manifest.ts";
import { solutionsDir } from "../paths.ts";
import { seconds } from "../report/format.ts";

/** Grading every chapter's solutions must stay interactive. */
const TARGET_GRADE_ALL_MS = 20_000;

const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function benchCommand(argv: readonly string[]): Promise<number> {
  // `--pool`: the 03-processes pool against piscina and Python's Pool instead (grader/src/bench/pool.ts).
  const onlyPool =
    argv.includes("--pool") || argv.some((arg, i) => arg === "--only" && argv[i + 1] === "pool");
  if (onlyPool)
    return poolBenchCommand(
      argv.filter((arg, i) => arg !== "--pool" && !(arg === "pool" && argv[i - 1] === "--only")),
    );
  const { values } = parseArgs({ args: [...argv], options: { runs: { type: "string", default: "3" } } });
  const runs = Math.max(1, Number(values.runs) || 3);
  const course = loadCourse();
  const target = { root: solutionsDir };
  const totals: number[] = [];
  const perExercise = new Map<string, number[]>();
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const report = await grade(course, { target, seed: course.grading.seed });
    totals.push(performance.now() - started);
    for (const e of report.exercises)
      perExercise.set(e.id, [...(perExercise.get(e.id) ?? []), e.duration_ms]);
    process.stderr.write(`run ${i + 1}/${runs}: ${seconds(totals.at(-1)!)}\n`);
  }
  const total = median(totals);
  const ok = total <= TARGET_GRADE_ALL_MS;
  console.log(`\nbench (median of ${runs} runs)`);
  console.log(
    `  ${ok ? "✓" : "✗"} grade all solutions      ${seconds(total).padStart(7)}   target ≤ ${seconds(TARGET_GRADE_ALL_MS)}`,
  );
  for (const [id, times] of perExercise) {
    const exercise = course.chapters.flatMap((c) => c.exercises).find((e) => e.id === id)!;
    const limit = 1000 * (exercise.timeoutSeconds ?? course.grading.timeoutSeconds);
    const share = median(times) / limit;
    // A solution near its limit is a slow machine's timeout waiting to happen: say so, with the figure.
    const warning = share > 0.5 ? "   ⚠ over half its limit: raise timeoutSeconds or speed the tests up" : "";
    console.log(
      `    ${id.padEnd(28)} ${seconds(median(times)).padStart(7)}   ${Math.round(100 * share)} % of its limit${warning}`,
    );
  }
  return ok ? 0 : 1;
}
