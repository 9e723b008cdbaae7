/**
 * What a learner sees from `npm test`: vitest's own report, minus the noise of a test process that our
 * watchdog stopped (vitest then adds "Worker exited unexpectedly" errors and an empty summary, which say
 * nothing the watchdog's message did not), plus one line per failed property that replays it exactly,
 * and "It looks like …" where an exercise's failures match a known mistake (signatures.ts).
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { DefaultReporter, type TestModule } from "vitest/node";
import { allExercises, loadCourse, shortName } from "../manifest.ts";
import { fromRoot } from "../paths.ts";
import { failedCase, replayCommand } from "../replay.ts";
import { likelyMistakeLine } from "../report/format.ts";
import { headline } from "../score.ts";
import { loadSignatures, matchFailures } from "../signatures.ts";
import { toRunError } from "./reporter.ts";

const WORKER_DIED = /Worker (forks|threads) emitted error|Worker exited unexpectedly/;
const MAX_REPLAY_LINES = 5;

type RunEnd = DefaultReporter["onTestRunEnd"];

export default class LearnerReporter extends DefaultReporter {
  /** The file the watchdog names a stopped test in (see setup.ts and watchdog.ts). */
  constructor(private readonly hungFile: string) {
    super();
  }

  override onTestRunEnd(...[modules, errors, reason]: Parameters<RunEnd>): ReturnType<RunEnd> {
    const stopped = existsSync(this.hungFile) ? readFileSync(this.hungFile, "utf8").split("\n") : [];
    const kept = stopped[0] ? errors.filter((e) => !WORKER_DIED.test(String(e.message ?? ""))) : errors;
    const result = super.onTestRunEnd(modules, kept, reason);
    if (stopped[0]) {
      process.stdout.write(
        `\n✗ "${stopped[0]}" was stopped: ${stopped[1] ?? "it never gave the thread back"}. Fix that test first.\n`,
      );
    }
    printReplayLines(modules);
    printLikelyMistakes(modules);
    return result;
  }
}

function printReplayLines(modules: ReadonlyArray<TestModule>): void {
  const lines: string[] = [];
  for (const module of modules) {
    const exercise = path.basename(module.moduleId).replace(/\.test\.ts$/, "");
    for (const test of module.children.allTests()) {
      const result = test.result();
      if (result.state !== "failed") continue;
      const found = (result.errors ?? []).map((e) => failedCase(String(e.message ?? ""))).find(Boolean);
      if (found)
        lines.push(`  ${test.fullName}\n    ${replayCommand(exercise, { test: test.fullName, ...found })}`);
    }
  }
  if (lines.length === 0) return;
  const more = lines.length > MAX_REPLAY_LINES ? `\n  … and ${lines.length - MAX_REPLAY_LINES} more` : "";
  process.stdout.write(
    `\n↻ Replay a failure exactly (same test, same case):\n${lines.slice(0, MAX_REPLAY_LINES).join("\n")}${more}\n`,
  );
}

/** The nudge of each exercise whose failures look like one of its known mistakes, and where to read more. */
function printLikelyMistakes(modules: ReadonlyArray<TestModule>): void {
  const lines: string[] = [];
  try {
    const signatures = loadSignatures();
    if (signatures.length === 0) return;
    const exercises = allExercises(loadCourse());
    for (const module of modules) {
      const exercise = exercises.find((e) => fromRoot(e.test) === module.moduleId);
      if (!exercise) continue;
      const failed = new Map<string, string>();
      for (const test of module.children.allTests()) {
        const result = test.result();
        const error = result.errors?.[0];
        if (result.state === "failed") failed.set(test.fullName, error ? toRunError(error).message : "");
      }
      // The manifest's order, as the grade takes it, so the same run matches the same mistake.
      const first = Object.keys(exercise.tests).find((name) => failed.has(name));
      if (first === undefined) continue;
      const nudges = matchFailures(
        {
          exercise: exercise.id,
          failed: new Set(failed.keys()),
          first: { test: first, headline: headline(failed.get(first)!) },
        },
        signatures,
      ).map((s) => s.nudge);
      const line = likelyMistakeLine({ likely_mistakes: nudges });
      if (line) lines.push(`  ${shortName(exercise)}: ${line} More: npm run hint -- ${shortName(exercise)}`);
    }
  } catch {
    return; // a nudge is a help, never a reason for npm test to fail
  }
  if (lines.length > 0)
    process.stdout.write(`\n💡 ${lines.length === 1 ? lines[0]!.trim() : `\n${lines.join("\n")}`}\n`);
}
