/**
 * `npm run watch`: like rustlings watch. It finds the first exercise you have not solved, runs its tests
 * each time you save one of its files, and once they all pass moves on to the next unsolved exercise and
 * runs that one. The screen is redrawn, never scrolled: the course's progress and the current exercise
 * stay at the top, and below them only the first failure. Keys: n next, h hint, l list, r re-run, q quit.
 */
import { watch } from "node:fs";
import path from "node:path";
import { grade, gradeExercise, slug } from "../grade.ts";
import { allExercises, type Course, type Exercise, loadCourse, shortName } from "../manifest.ts";
import { exercisesDir, fromRoot, scratchDir } from "../paths.ts";
import { bar, likelyMistakeLine } from "../report/format.ts";
import { detectSandbox } from "../run/sandbox.ts";
import { type ExerciseReport, headline, shortTestName } from "../score.ts";
import { loadSignatures, withLikelyMistakes } from "../signatures.ts";
import { defaultTarget } from "../target.ts";

/** Lines of a failure shown under the banner: enough for the message and a counterexample. */
const FAILURE_LINES = 14;

interface State {
  readonly course: Course;
  readonly exercises: readonly Exercise[];
  /** Whether each exercise's tests passed when they last ran: progress comes from results only. */
  readonly passed: Map<string, boolean>;
  current: Exercise | undefined;
  last: ExerciseReport | undefined;
  running: boolean;
  note: string;
  hintLevel: number;
}

export async function watchCommand(): Promise<number> {
  const course = loadCourse();
  const exercises = allExercises(course);
  const signatures = loadSignatures();
  process.stdout.write("Running every exercise's tests once, to see where you are…\n");
  const report = await grade(course, { target: defaultTarget, seed: course.grading.seed, typecheck: false });
  const state: State = {
    course,
    exercises,
    passed: new Map(report.exercises.map((e) => [e.id, e.status === "passed"])),
    current: undefined,
    last: undefined,
    running: false,
    note: "",
    hintLevel: 0,
  };
  state.current = nextUnsolved(state, undefined);
  state.last = report.exercises.find((e) => e.id === state.current?.id);
  draw(state);
  if (!state.current) return 0;

  let queued = false;
  const run = async () => {
    if (!state.current) return;
    if (state.running) {
      queued = true;
      return;
    }
    state.running = true;
    draw(state);
    const exercise = state.current;
    const result = await gradeExercise(course, {
      exercise,
      target: defaultTarget,
      seed: course.grading.seed,
      sandbox: detectSandbox().kind,
      workDir: path.join(scratchDir, `watch-${process.pid}`, slug(exercise)),
    });
    state.running = false;
    state.passed.set(exercise.id, result.status === "passed");
    state.last = withLikelyMistakes(result, signatures);
    if (result.status === "passed" && exercise === state.current) {
      state.note = `✓ ${exercise.id} is done!`;
      moveTo(state, nextUnsolved(state, exercise));
      if (state.current) {
        draw(state);
        void run();
        return;
      }
    }
    draw(state);
    if (queued) {
      queued = false;
      void run();
    }
  };

  const byFile = new Map(exercises.flatMap((e) => e.files.map((f) => [fromRoot(f), e] as const)));
  let debounce: NodeJS.Timeout | undefined;
  watch(exercisesDir, { recursive: true }, (_event, name) => {
    if (!name || byFile.get(path.join(exercisesDir, name.toString())) !== state.current) return;
    clearTimeout(debounce);
    debounce = setTimeout(() => void run(), 150);
  });

  return new Promise<number>((resolve) => {
    const quit = () => {
      process.stdin.setRawMode?.(false);
      process.stdout.write("\n");
      resolve(0);
      process.exit(0);
    };
    if (!process.stdin.isTTY) return; // no keys without a terminal; saving still re-runs
    process.stdin.setRawMode(true);
    process.stdin.resume();
    process.stdin.on("data", (data: Buffer) => {
      const key = data.toString("utf8");
      if (key === "q" || key === "\u0003") quit();
      else if (key === "r") void run();
      else if (key === "n") {
        moveTo(state, nextUnsolved(state, state.current) ?? state.current);
        state.last = undefined;
        void run();
      } else if (key === "h" && state.current) {
        state.hintLevel = Math.min(state.hintLevel + 1, state.current.hints.length);
        draw(state);
      } else if (key === "l") {
        state.note = listing(state);
        draw(state);
      }
    });
  });
}

function moveTo(state: State, exercise: Exercise | undefined): void {
  if (exercise !== state.current) state.hintLevel = 0;
  state.current = exercise;
}

/** The first exercise after `after` (in course order, wrapping around) whose tests do not pass. */
function nextUnsolved(state: State, after: Exercise | undefined): Exercise | undefined {
  const start = after ? state.exercises.indexOf(after) + 1 : 0;
  const order = [...state.exercises.slice(start), ...state.exercises.slice(0, start)];
  return order.find((e) => state.passed.get(e.id) !== true);
}

function listing(state: State): string {
  return state.exercises
    .map(
      (e) => `${state.passed.get(e.id) ? "✓" : "·"} ${e === state.current ? "▶" : " "} ${e.id}: ${e.title}`,
    )
    .join("\n");
}

function draw(state: State): void {
  const done = state.exercises.filter((e) => state.passed.get(e.id)).length;
  const total = state.exercises.length;
  const lines: string[] = [
    `${state.course.title}   ${bar(done, total, 20)}  ${done} of ${total} exercises`,
    "",
  ];
  const exercise = state.current;
  if (!exercise) {
    lines.push("Every exercise passes. Well done!");
  } else {
    const position = state.exercises.indexOf(exercise) + 1;
    lines.push(
      `Current exercise (${position} of ${total}): ${exercise.id}: ${exercise.title}`,
      `  edit  ${exercise.files.join(", ")}`,
      `  read  ${exercise.notes}`,
      "  keys  [n] next  [h] hint  [l] list  [r] re-run  [q] quit   (saving a file re-runs the tests)",
      "",
    );
    if (state.hintLevel > 0)
      lines.push(
        `Hint ${state.hintLevel} of ${exercise.hints.length}: ${exercise.hints[state.hintLevel - 1]}`,
        "",
      );
    if (state.note) lines.push(state.note, "");
    if (state.running) lines.push(`Running the tests of ${shortName(exercise)}…`);
    else if (state.last?.id === exercise.id) lines.push(...summary(state.last));
  }
  state.note = "";
  // Clear the screen and the scrollback, then draw from the top: nothing scrolls the banner away.
  process.stdout.write(`\u001b[2J\u001b[3J\u001b[H${lines.join("\n")}\n`);
}

function summary(report: ExerciseReport): string[] {
  const passing = report.tests.filter((t) => t.status === "passed").length;
  const first = report.tests.find((t) => t.status === "failed");
  const out = [
    `${report.status}: ${passing} of ${report.tests.length} tests pass (${report.score}/${report.max_score} points)`,
  ];
  if (report.status === "not-started") {
    out.push("The stub still says TODO: read the section above, then edit the file.");
    return out;
  }
  if (!first) return out;
  out.push("", `First failing test: ${shortTestName(first.name)}`, `  ${headline(first.output)}`);
  const detail = first.output.split("\n").slice(0, FAILURE_LINES);
  out.push(...detail.map((line) => `    ${line}`));
  if (first.output.split("\n").length > FAILURE_LINES) out.push("    …");
  const likely = likelyMistakeLine(report);
  if (likely) out.push("", likely);
  if (first.replay) out.push("", `Replay exactly: ${first.replay}`);
  return out;
}
