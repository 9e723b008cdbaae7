/**
 * One failing test never makes another fail. Wrong code that leaves something behind (a spinner process
 * that keeps turning, workers nobody replaced, a server that keeps answering) must cost only the tests that
 * check that mistake: every test a mutant fails in a full run, it fails on its own too.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { grade, scoreOneRun } from "../src/grade.ts";
import { allExercises, type Exercise, loadCourse, solutionOf } from "../src/manifest.ts";
import { materializeMutant } from "../src/mutants.ts";
import { fromRoot } from "../src/paths.ts";
import { runIsolated } from "../src/run/isolate.ts";
import { detectSandbox } from "../src/run/sandbox.ts";
import { vitestTestName } from "../src/score.ts";

const course = loadCourse();
const folders: string[] = [];
afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

const fresh = (prefix: string) => {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  folders.push(dir);
  return dir;
};

/** Mistakes whose leftovers outlive the test that finds them, one per kind of leftover. */
const LEAVE_SOMETHING_BEHIND = [
  // A child process still drawing frames after a failed task.
  ["03-processes/spinner", "stopped-only-on-success"],
  // A pool that lost a worker to a crash and never replaced it.
  ["03-processes/pool", "no-replacement"],
  // An RPC server that keeps answering after stop().
  ["05-distributed/rpc", "stop-ignores-requests"],
] as const;

function exerciseById(id: string): Exercise {
  const exercise = allExercises(course).find((e) => e.id === id);
  if (!exercise) throw new Error(`no exercise ${id} in the manifest`);
  return exercise;
}

/** The named test, run alone (every other test of the file skipped) against the same submission. */
async function aloneFails(exercise: Exercise, root: string, test: string): Promise<boolean> {
  const timeoutMs = 1000 * (exercise.timeoutSeconds ?? course.grading.timeoutSeconds);
  const target = { root };
  const run = await runIsolated({
    testFiles: [fromRoot(exercise.test)],
    target,
    seed: course.grading.seed,
    timeoutMs,
    workDir: fresh("course-alone-"),
    sandbox: detectSandbox().kind,
    skip: Object.keys(exercise.tests).filter((name) => name !== vitestTestName(test)),
  });
  const report = scoreOneRun(course, exercise, target, run, timeoutMs);
  const alone = report.tests.find((t) => t.name === test);
  // A skipped test is reported as failed with the output "skipped": that would prove nothing.
  if (alone?.output === "skipped") throw new Error(`${test} did not run alone: it was skipped`);
  return alone?.status === "failed";
}

/** Grade the submission in `root`; then every test it failed, alone: the ones that pass alone were broken by others. */
async function failingOnlyTogether(
  exercise: Exercise,
  root: string,
): Promise<{ failing: string[]; onlyTogether: string[] }> {
  const full = await grade(course, { target: { root }, exercises: [exercise], seed: course.grading.seed });
  const failing = full.exercises[0]!.tests.filter((t) => t.status === "failed").map((t) => t.name);
  const onlyTogether: string[] = [];
  for (const test of failing) if (!(await aloneFails(exercise, root, test))) onlyTogether.push(test);
  return { failing, onlyTogether };
}

describe("test independence", () => {
  for (const [id, mutantName] of LEAVE_SOMETHING_BEHIND) {
    it(`every test that ${id}/${mutantName} fails, it fails alone too`, async () => {
      const exercise = exerciseById(id);
      const mutant = exercise.mutants.find((m) => m.file.endsWith(`/${mutantName}.diff`));
      if (!mutant) throw new Error(`${id} has no mutant ${mutantName}`);
      const root = fresh("course-independence-");
      materializeMutant(exercise, mutant, root);
      const { failing, onlyTogether } = await failingOnlyTogether(exercise, root);
      expect(failing.length, `${mutantName} should fail some test of ${id}`).toBeGreaterThan(0);
      expect(
        onlyTogether,
        "these tests failed in the full run but pass alone: a failing test before them broke them",
      ).toEqual([]);
    });
  }

  it("catches a submission whose failure breaks the tests after it", async () => {
    // Module state a learner might keep: once waitForGraph has failed, findDeadlock finds nothing.
    const exercise = exerciseById("01-concepts/deadlock");
    const root = fresh("course-independence-");
    const solution = readFileSync(fromRoot(solutionOf(exercise.files[0]!)), "utf8")
      .replace("export function findDeadlock(", "function realFindDeadlock(")
      .replace("export function waitForGraph(", "function realWaitForGraph(");
    const poisoned = `${solution}
let broken = false;
export function findDeadlock(graph: WaitForGraph): TaskId[] | null {
  return broken ? null : realFindDeadlock(graph);
}
export function waitForGraph(...args: Parameters<typeof realWaitForGraph>): ReturnType<typeof realWaitForGraph> {
  const graph = realWaitForGraph(...args);
  if (graph.has("__proto__")) {
    broken = true;
    throw new Error("a task name I did not expect");
  }
  return graph;
}
`;
    mkdirSync(path.join(root, "01-concepts"), { recursive: true });
    writeFileSync(path.join(root, "01-concepts", "deadlock.ts"), poisoned);
    const { failing, onlyTogether } = await failingOnlyTogether(exercise, root);
    const ownFailure =
      "01-concepts/deadlock › waitForGraph › works with any task and lock names, even ones like __proto__, constructor or an empty string";
    expect(failing).toContain(ownFailure);
    expect(onlyTogether, `failing in the full run: ${failing.join("; ")}`).not.toEqual([]);
    expect(onlyTogether, "the test that found the mistake fails alone too").not.toContain(ownFailure);
  });
});
