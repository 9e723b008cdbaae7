/**
 * `npm run watch`: like rustlings watch. It finds the first exercise you have not solved, runs its tests
 * each time you save one of its files, and once they all pass moves on to the next unsolved exercise.
 */
import { spawn } from "node:child_process";
import { watch } from "node:fs";
import path from "node:path";
import { grade } from "../grade.ts";
import { allExercises, type Course, type Exercise, loadCourse, shortName } from "../manifest.ts";
import { exercisesDir, fromRoot, repoRoot } from "../paths.ts";
import { signalGroup } from "../run/process-group.ts";
import { defaultTarget } from "../target.ts";

/** Longer than any exercise's tests need; a learner's endless loop must not freeze the watcher. */
const RUN_LIMIT_MS = 60_000;

export async function watchCommand(): Promise<number> {
  const course = loadCourse();
  console.log("Finding your first unsolved exercise…");
  let current = await firstUnsolved(course, allExercises(course));
  if (!current) {
    console.log("Every exercise passes. Well done!");
    return 0;
  }
  announce(current);
  let passed = await runTests(current);

  let running = false;
  let pending: Exercise | undefined;
  const onChange = async (exercise: Exercise) => {
    if (running) {
      pending = exercise;
      return;
    }
    running = true;
    try {
      console.clear();
      passed = await runTests(exercise);
      if (passed && exercise === current) {
        const rest = allExercises(course).slice(allExercises(course).indexOf(exercise) + 1);
        console.log(`\n✓ ${exercise.id} is done! Looking for the next one…`);
        current = await firstUnsolved(course, rest);
        if (!current) {
          console.log("Every exercise passes. Well done!");
          process.exit(0);
        }
        announce(current);
      } else if (!passed) {
        console.log(`\nNot yet. Save again to re-run; stuck? npm run hint -- ${shortName(exercise)}`);
      }
    } finally {
      running = false;
      if (pending) {
        const next = pending;
        pending = undefined;
        void onChange(next);
      }
    }
  };

  const byFile = new Map(allExercises(course).flatMap((e) => e.files.map((f) => [fromRoot(f), e] as const)));
  let debounce: NodeJS.Timeout | undefined;
  watch(exercisesDir, { recursive: true }, (_event, name) => {
    if (!name) return;
    const exercise = byFile.get(path.join(exercisesDir, name.toString()));
    if (!exercise) return;
    clearTimeout(debounce);
    debounce = setTimeout(() => void onChange(exercise), 150);
  });
  console.log("\nWatching your files. Save to re-run the tests; Ctrl+C to stop.");
  return new Promise<number>(() => {});
}

function announce(exercise: Exercise): void {
  console.log(`\nCurrent exercise: ${exercise.id}: ${exercise.title}`);
  console.log(`  edit   ${exercise.files.join(", ")}`);
  console.log(`  read   ${exercise.notes}`);
  console.log(`  hint   npm run hint -- ${shortName(exercise)}\n`);
}

async function firstUnsolved(course: Course, candidates: readonly Exercise[]): Promise<Exercise | undefined> {
  if (candidates.length === 0) return undefined;
  const report = await grade(course, {
    target: defaultTarget,
    exercises: candidates,
    seed: course.grading.seed,
    typecheck: false,
  });
  const id = report.exercises.find((e) => e.status !== "passed")?.id;
  return candidates.find((e) => e.id === id);
}

/** Run one exercise's tests with vitest's own output; true when they all pass. */
function runTests(exercise: Exercise): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [fromRoot("node_modules/vitest/vitest.mjs"), "run", fromRoot(exercise.test)],
      {
        cwd: repoRoot,
        stdio: "inherit",
        detached: true,
      },
    );
    const timer = setTimeout(() => {
      console.log(`\nThe tests ran for ${RUN_LIMIT_MS / 1000} s and were stopped: is there an endless loop?`);
      signalGroup(child.pid);
    }, RUN_LIMIT_MS);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
}
