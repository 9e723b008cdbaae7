/**
 * `npm run watch` as a learner sees it, in a real terminal (tmux): the progress bar and the current
 * exercise stay on screen with a failing stub, and after a fix it moves on and runs the next exercise.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { allExercises, loadCourse, solutionOf } from "../src/manifest.ts";
import { materializeMutant } from "../src/mutants.ts";
import { fromRoot } from "../src/paths.ts";
import { loadSignatures, mutantName } from "../src/signatures.ts";

const hasTmux = spawnSync("tmux", ["-V"]).status === 0;
const session = `course-watch-${process.pid}`;
const course = mkdtempSync(path.join(tmpdir(), "course-watch-"));

afterAll(() => {
  spawnSync("tmux", ["kill-session", "-t", session]);
  rmSync(course, { recursive: true, force: true });
});

const screen = () => execFileSync("tmux", ["capture-pane", "-p", "-t", session], { encoding: "utf8" });

/** Wait until the visible screen matches, for at most `seconds` (a bound for liveness, not a timing check). */
async function waitFor(pattern: RegExp, seconds: number): Promise<string> {
  const deadline = Date.now() + seconds * 1000;
  let last = "";
  while (Date.now() < deadline) {
    last = screen();
    if (pattern.test(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`the screen never showed ${pattern}; it shows:\n${last}`);
}

describe.runIf(hasTmux)("npm run watch in a terminal", () => {
  it("keeps progress and the current exercise on screen, and moves on to the next after a fix", async () => {
    for (const part of ["grader", "exercises", "package.json", "tsconfig.json", "vitest.config.ts"])
      cpSync(fromRoot(part), path.join(course, part), { recursive: true });
    symlinkSync(fromRoot("node_modules"), path.join(course, "node_modules"));
    const exercises = allExercises(loadCourse());
    const [first, second] = exercises as [(typeof exercises)[0], (typeof exercises)[0]];
    const total = exercises.length;
    execFileSync("tmux", [
      "new-session",
      "-d",
      "-s",
      session,
      "-x",
      "150",
      "-y",
      "45",
      "-c",
      course,
      `${process.execPath} node_modules/tsx/dist/cli.mjs grader/src/cli.ts watch`,
    ]);

    const start = await waitFor(new RegExp(`Current exercise \\(1 of ${total}\\)[\\s\\S]*not-started`), 180);
    expect(start).toMatch(new RegExp(`0 of ${total} exercises`));
    expect(start).toContain(`${first.id}: ${first.title}`);
    expect(start).toMatch(/\[n\] next {2}\[h\] hint {2}\[l\] list {2}\[r\] re-run {2}\[q\] quit/);

    execFileSync("tmux", ["send-keys", "-t", session, "h"]);
    expect(await waitFor(/Hint 1 of/, 20)).toContain(first.hints[0]!.slice(0, 40));

    // The learner solves the first exercise and saves.
    cpSync(fromRoot(solutionOf(first.files[0]!)), path.join(course, first.files[0]!));
    const next = await waitFor(
      new RegExp(`Current exercise \\(2 of ${total}\\)[\\s\\S]*(not-started|tests pass)`),
      180,
    );
    expect(next).toMatch(new RegExp(`1 of ${total} exercises`));
    expect(next).toContain(`${second.id}: ${second.title}`);

    // A known mistake in the second exercise is named on screen, as the grade names it.
    const signatures = loadSignatures();
    const signature = signatures.find(
      (s) => s.exercise === second.id && second.mutants.some((m) => mutantName(m) === s.mutant),
    );
    expect(signature, `${second.id} has a mutant with a recorded signature`).toBeDefined();
    const mutant = second.mutants.find((m) => mutantName(m) === signature!.mutant)!;
    const nudge = signature!.nudge;
    const mutated = mkdtempSync(path.join(tmpdir(), "course-watch-mutant-"));
    materializeMutant(second, mutant, mutated);
    for (const file of second.files)
      cpSync(path.join(mutated, path.relative("exercises", file)), path.join(course, file));
    rmSync(mutated, { recursive: true, force: true });
    const wrong = await waitFor(/It looks like/, 180);
    expect(wrong.replace(/\s+/g, " ")).toContain(`It looks like ${nudge}`.replace(/\s+/g, " ").slice(0, 60));

    execFileSync("tmux", ["send-keys", "-t", session, "q"]);
  }, 400_000);
});

describe.runIf(!hasTmux)("npm run watch in a terminal (no tmux here)", () => {
  it.skip("needs tmux: apt-get install tmux", () => {});
});
