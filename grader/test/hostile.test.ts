/**
 * End to end: grade submissions that misbehave in every way we know, and check that grading finishes,
 * each bad exercise gets the right status and a one-line reason, and every other exercise keeps its score.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { grade } from "../src/grade.ts";
import { allExercises, type Exercise, loadCourse, solutionOf } from "../src/manifest.ts";
import { materializeMutant } from "../src/mutants.ts";
import { fromRoot, solutionsDir } from "../src/paths.ts";
import type { Report } from "../src/report/types.ts";

const course = loadCourse();
const exercises = allExercises(course);
/**
 * The runs below that grade "the whole course" grade these: the concepts chapter. Chapter 4's thread
 * exercises need more than these short limits (each test starts a pool of worker threads), and their
 * stress tests on wrong code are not reproducible byte for byte by nature (how many updates a race loses).
 */
const wholeCourse = exercises.filter((e) => e.id.startsWith("01-"));
const folders: string[] = [];

/** A copy of the reference solutions, laid out like exercises/, that a test may then break. */
function solutionsCopy(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "course-submission-"));
  folders.push(dir);
  cpSync(solutionsDir, dir, { recursive: true });
  return dir;
}

function learnerFile(dir: string, exercise: Exercise): string {
  return path.join(dir, path.relative("exercises", exercise.files[0]!));
}

/** Keep the solution's code, then misbehave while being imported. */
function sabotage(dir: string, exercise: Exercise, behaviour: string): void {
  const solution = readFileSync(fromRoot(solutionOf(exercise.files[0]!)), "utf8");
  writeFileSync(learnerFile(dir, exercise), `${solution}\n${behaviour}\n`);
}

/** The interleavings solution with a countInterleavings that never returns. */
function hangingCount(): string {
  const solution = readFileSync(fromRoot("solutions/01-concepts/interleavings.ts"), "utf8");
  return solution.replace(
    /export function countInterleavings\(/,
    "export function countInterleavings(..._: readonly number[]): bigint {\n  for (;;) {}\n}\nfunction unusedCount(",
  );
}

const withoutTimes = (report: Report) =>
  JSON.parse(
    JSON.stringify(report, (key, value) => (key === "execution_time" || key === "duration_ms" ? 0 : value)),
  ) as unknown;

afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

describe("grading a hostile submission", () => {
  it("gives each misbehaving exercise its status and keeps every other score", async () => {
    const dir = solutionsCopy();
    const [spins, exits, broken, missing] = exercises;
    if (!spins || !exits || !broken || !missing) throw new Error("this test needs at least four exercises");
    sabotage(dir, spins, "while (true) {}");
    // Learner code has no process to exit (its `process` has only nextTick and pid): it fails at load, crashed.
    sabotage(dir, exits, "(globalThis as any).process.exit(0);");
    writeFileSync(learnerFile(dir, broken), "export function oops( {\n");
    unlinkSync(learnerFile(dir, missing));

    const report = await grade(course, { target: { root: dir }, exercises: wholeCourse, seed: 1 });

    const status = Object.fromEntries(report.exercises.map((e) => [e.id, e.status]));
    expect(status[spins.id]).toBe("timeout");
    expect(status[exits.id]).toBe("crashed");
    expect(status[broken.id]).toBe("compile-error");
    expect(status[missing.id]).toBe("missing");
    for (const e of report.exercises.slice(4)) {
      expect(e, `${e.id}: ${e.message}`).toMatchObject({ status: "passed", score: e.max_score });
    }
    for (const e of report.exercises.slice(0, 4)) {
      expect(e.score).toBe(0);
      expect(e.message).not.toContain("\n");
      expect(e.message.length).toBeGreaterThan(10);
    }
    expect(report.exercises.find((e) => e.id === exits.id)?.message).toMatch(
      /could not load.*process\.exit is not a function/,
    );
    expect(report.exercises.find((e) => e.id === broken.id)?.message).toMatch(/\.ts:\d+:\d+ TS\d+/);
    // The spinning exercise was stopped at its limit, not left to run: grading ends whatever the code does.
    expect(report.exercises.find((e) => e.id === spins.id)?.message).toMatch(/stopped at the \d+ s limit/);
  });

  it("gives partial credit when one function hangs, naming the test that never finished", async () => {
    const dir = solutionsCopy();
    const target = exercises.find((e) => e.id === "01-concepts/interleavings")!;
    writeFileSync(learnerFile(dir, target), hangingCount());
    const report = await grade(course, {
      target: { root: dir },
      exercises: [target],
      seed: 1,
      timeoutSeconds: 8,
    });
    const [result] = report.exercises;
    expect(result?.status).toBe("timeout");
    expect(result?.message).toMatch(/never finished, spinning on the CPU/);
    const passing = result?.tests.filter((t) => t.status === "passed").map((t) => t.name) ?? [];
    expect(passing.length).toBeGreaterThanOrEqual(4);
    expect(passing.every((name) => name.includes("› interleavings ›"))).toBe(true);
    expect(result?.score).toBe(passing.length);
  });

  it("treats other ways to die as crashes, and floods of output as just output", async () => {
    const dir = solutionsCopy();
    const [killed, chatty, leaky, escaping] = exercises;
    // No process to kill from learner code either: the attempt fails at load.
    sabotage(dir, killed!, "(globalThis as any).process.kill(process.pid, 'SIGKILL');");
    sabotage(dir, chatty!, "for (let i = 0; i < 200_000; i++) console.log('x'.repeat(200));");
    sabotage(dir, leaky!, "setInterval(() => {}, 1000);");
    // A detached child leaves the run's process group; the grader must still end it.
    sabotage(
      dir,
      escaping!,
      "import { spawn } from 'node:child_process';\nspawn('sleep', ['987.25'], { detached: true, stdio: 'ignore' }).unref();",
    );
    const report = await grade(course, {
      target: { root: dir },
      exercises: [killed!, chatty!, leaky!, escaping!],
      seed: 1,
      timeoutSeconds: 20,
    });
    const [a, b, c, d] = report.exercises;
    expect(a?.status).toBe("crashed");
    expect(a?.message).toMatch(/could not load.*process\.kill is not a function/);
    expect(b?.status, b?.message).toBe("passed");
    expect(c?.status, c?.message).toBe("passed");
    // Its code may not import node:child_process at all: a compile error, found before anything runs.
    expect(d?.status, d?.message).toBe("compile-error");
    expect(d?.message).toMatch(/imports "node:child_process"/);
    const survivors = readdirSync("/proc")
      .filter((pid) => /^\d+$/.test(pid))
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, "latin1").includes("987.25");
        } catch {
          return false;
        }
      });
    expect(survivors).toEqual([]);
  });
});

describe("a test blocked in Atomics.wait", () => {
  it("is told apart from a spinning loop: blocked, not using the CPU", async () => {
    const dir = solutionsCopy();
    const target = exercises.find((e) => e.id === "01-concepts/interleavings")!;
    writeFileSync(
      learnerFile(dir, target),
      hangingCount().replace(
        "for (;;) {}",
        "Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);\n  return 0n;",
      ),
    );
    const report = await grade(course, {
      target: { root: dir },
      exercises: [target],
      seed: 1,
      timeoutSeconds: 8,
    });
    const [result] = report.exercises;
    expect(result?.status).toBe("timeout");
    expect(result?.message).toMatch(/blocked without using the CPU \(Atomics\.wait/);
  });
});

describe("npm test on a submission that hangs", () => {
  it("stops the blocked test, names it, and lets the run finish", () => {
    const dir = solutionsCopy();
    const target = exercises.find((e) => e.id === "01-concepts/interleavings")!;
    writeFileSync(learnerFile(dir, target), hangingCount());
    const run = spawnSync(
      process.execPath,
      [fromRoot("node_modules/vitest/vitest.mjs"), "run", fromRoot(target.test)],
      {
        cwd: fromRoot(),
        env: { ...process.env, COURSE_TARGET: dir, COURSE_WATCHDOG_MS: "2000", NO_COLOR: "1" },
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    expect(run.signal, "vitest never finished").toBeNull();
    expect(run.status).toBe(1);
    expect(run.stderr + run.stdout).toMatch(
      /The test "countInterleavings > [^"]+" ran for 2 s without letting the event loop turn: spinning on the CPU/,
    );
    // Our message, once more at the end, instead of vitest's follow-on noise about the stopped process.
    expect(run.stdout).toMatch(/✗ "countInterleavings > [^"]+" was stopped: spinning on the CPU/);
    expect(run.stderr + run.stdout).not.toMatch(/Worker exited unexpectedly|Worker forks emitted error/);
  });
});

describe("code that tries to make the tests lie", () => {
  it("can neither replace a built-in (they are frozen) nor reach a matcher (no test framework)", async () => {
    const dir = solutionsCopy();
    const [patchesObjectIs, extendsExpect] = exercises;
    // Wrong answers (known mutants), plus a built-in or a matcher that would make toBe say yes anyway.
    const tamper = (exercise: Exercise, code: string) => {
      materializeMutant(exercise, exercise.mutants[0]!, dir);
      const file = learnerFile(dir, exercise);
      writeFileSync(file, `${readFileSync(file, "utf8")}\n${code}\n`);
    };
    tamper(patchesObjectIs!, "Object.is = () => true;");
    tamper(
      extendsExpect!,
      "import { expect } from 'vitest';\nexpect.extend({ toBe: () => ({ pass: true, message: () => '' }) });",
    );
    const report = await grade(course, {
      target: { root: dir },
      exercises: [patchesObjectIs!, extendsExpect!],
      seed: 1,
    });
    const [frozen, unreachable] = report.exercises;
    expect(frozen?.status).toBe("crashed");
    expect(frozen?.message).toMatch(
      /read only property 'is'.*The course freezes JavaScript's built-in objects/,
    );
    expect(unreachable?.status).toBe("compile-error");
    expect(unreachable?.message).toMatch(/imports "vitest"/);
  });
});

describe("reproducible grading", () => {
  it("gives the same report twice for the same submission, times aside", async () => {
    // The first mutant of each exercise: failures with counterexamples, the most seed-sensitive output.
    const dir = solutionsCopy();
    for (const exercise of wholeCourse) {
      const mutant = exercise.mutants[0];
      if (mutant) materializeMutant(exercise, mutant, dir);
    }
    const target = { root: dir };
    const first = await grade(course, { target, exercises: wholeCourse, seed: 7 });
    const second = await grade(course, { target, exercises: wholeCourse, seed: 7 });
    expect(first.exercises.some((e) => e.status !== "passed")).toBe(true);
    expect(withoutTimes(second)).toEqual(withoutTimes(first));
  });

  it("gives the same verdict and score to every test twice in chapters 2–5, where timing is part of the mistake", async () => {
    // One mistake per chapter whose failure involves timing: completion order, a pool torn down early, a
    // racy increment of shared memory, an ack sent before the work. How much a race loses may differ
    // between runs; which tests fail, and the score, may not.
    const picks: Array<[string, string]> = [
      ["02-coroutines/map-concurrent", "completion-order"],
      ["03-processes/pool", "close-is-terminate"],
      ["04-threads/counters", "plain-increment"],
      ["05-distributed/task-queue", "always-acks-early"],
    ];
    const dir = solutionsCopy();
    const chosen = picks.map(([id, name]) => {
      const exercise = exercises.find((e) => e.id === id)!;
      const mutant = exercise.mutants.find((m) => m.file.endsWith(`/${name}.diff`))!;
      materializeMutant(exercise, mutant, dir);
      return exercise;
    });
    const verdicts = (report: Report) =>
      report.exercises.map((e) => ({
        id: e.id,
        status: e.status,
        score: e.score,
        tests: e.tests.map((t) => `${t.status} ${t.name}`),
      }));
    const target = { root: dir };
    const first = await grade(course, { target, exercises: chosen, seed: course.grading.seed });
    const second = await grade(course, { target, exercises: chosen, seed: course.grading.seed });
    expect(first.exercises.every((e) => e.status !== "passed")).toBe(true);
    expect(verdicts(second)).toEqual(verdicts(first));
  });
});
