/**
 * `npm run bench`: the speed targets, measured rather than asserted in unit tests (timing tests flake).
 * Benchmarks, each with its targets; `--only NAME` runs one of them:
 * - grade: grades the reference solutions a few times and reports the median against each target, and how
 *   long each exercise's tests take;
 * - pipeline: the coroutine pipeline of 02-coroutines against plain calls, generators, streams and Python
 *   (see ../bench/pipeline.ts);
 * - pool: the 03-processes pool against piscina and Python's Pool (see ../bench/pool.ts);
 * - collectives: the 05-distributed collectives on 1 … 4 worker threads: time per call and per message of
 *   scatter + gather and of allreduce (see ../bench/collectives.ts);
 * - batch: a class re-grade against one submission graded on one core (see ../bench/batch.ts); chapters
 *   1–2 unless `--full`;
 * - confinement: each exercise's solution graded confined and unconfined, the median of each (see
 *   ../bench/confinement.ts); `--exercise ID` limits it to some exercises.
 * Exits 1 when a target is missed.
 */
import { parseArgs } from "node:util";
import { benchBatch } from "../bench/batch.ts";
import { benchCollectives } from "../bench/collectives.ts";
import { benchConfinement } from "../bench/confinement.ts";
import { pipelineBench } from "../bench/pipeline.ts";
import { benchPool } from "../bench/pool.ts";
import { grade } from "../grade.ts";
import { loadCourse } from "../manifest.ts";
import { solutionsDir } from "../paths.ts";
import { seconds } from "../report/format.ts";

/** Grading every chapter's solutions must stay interactive. */
const TARGET_GRADE_ALL_MS = 20_000;

const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const BENCHES = ["grade", "pipeline", "pool", "collectives", "batch", "confinement"] as const;

export async function benchCommand(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      runs: { type: "string" },
      rounds: { type: "string", default: "5" },
      only: { type: "string", multiple: true },
      full: { type: "boolean", default: false },
      exercise: { type: "string", multiple: true },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(
      `npm run bench [-- --only ${BENCHES.join("|")}] [--runs N] [--rounds N] [--full] [--exercise ID]\n  --only     run one benchmark (repeatable; default: all)\n  --runs     runs of the grade, pool, collectives and confinement benches (default 3; confinement 5)\n  --rounds   rounds of the pipeline bench (default 5)\n  --full     the batch bench grades every exercise, not chapters 1–2 (about 20 minutes)\n  --exercise the confinement bench measures only these exercises (repeatable; default: all, about 40 minutes)`,
    );
    return 0;
  }
  const only = values.only ?? [...BENCHES];
  const unknown = only.filter((name) => !(BENCHES as readonly string[]).includes(name));
  if (unknown.length > 0) {
    console.error(`unknown benchmark ${unknown.join(", ")}; choose from ${BENCHES.join(", ")}`);
    return 2;
  }
  let status = 0;
  if (only.includes("grade"))
    status = Math.max(status, await gradeBench(Math.max(1, Number(values.runs ?? 3) || 3)));
  if (only.includes("pipeline"))
    status = Math.max(status, await pipelineBench({ rounds: Math.max(1, Number(values.rounds) || 5) }));
  if (only.includes("pool")) {
    const { ok, lines } = await benchPool({ runs: Math.max(1, Number(values.runs ?? 3) || 3) });
    console.log(`\n${lines.join("\n")}`);
    if (!ok) status = 1;
  }
  if (only.includes("collectives")) {
    const { ok, lines } = await benchCollectives({ runs: Math.max(1, Number(values.runs ?? 3) || 3) });
    console.log(`\n${lines.join("\n")}`);
    if (!ok) status = 1;
  }
  if (only.includes("confinement")) {
    const { ok, lines } = await benchConfinement(loadCourse(), {
      runs: Math.max(1, Number(values.runs ?? 5) || 5),
      only: values.exercise ?? [],
    });
    console.log(`\n${lines.join("\n")}`);
    if (!ok) status = 1;
  }
  if (only.includes("batch")) {
    const { ok, lines } = await benchBatch(loadCourse(), { full: values.full });
    console.log(`\nbatch re-grade\n${lines.join("\n")}`);
    if (!ok) status = 1;
  }
  return status;
}

async function gradeBench(runs: number): Promise<number> {
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
