/**
 * verify's replay check: a mutant's first failure, run again from the replay line it printed, must fail
 * the same way. This is what makes "one line replays a failure" a promise the course keeps.
 */

import { scoreOneRun } from "../grade.ts";
import { type Course, type Exercise, shortName } from "../manifest.ts";
import { fromRoot } from "../paths.ts";
import { counterexampleOf, decodeReplay, parseReplayLine } from "../replay.ts";
import { runIsolated } from "../run/isolate.ts";
import type { SandboxKind } from "../run/sandbox.ts";
import { type ExerciseReport, headline } from "../score.ts";
import { normaliseMessage } from "../signatures.ts";
import type { Target } from "../target.ts";
import { TEST_TIMEOUT_MS } from "../vitest/env.ts";

export type ReplayOutcome =
  | { readonly kind: "none" }
  | { readonly kind: "same" }
  | { readonly kind: "different"; readonly why: string };

/**
 * Run the first failing test again from its replay line, as `npm test -- <exercise> --replay <token>`
 * would (replay.ts builds both runs), in the same sandbox and against the same target; the same test must
 * fail with the same headline on the same counterexample. A failure without a replay line is not a
 * property: nothing in it is drawn.
 */
export async function replayFirstFailure(
  course: Course,
  exercise: Exercise,
  target: Target,
  report: ExerciseReport,
  options: { sandbox: SandboxKind; timeoutSeconds: number; workDir: string },
): Promise<ReplayOutcome> {
  const first = report.tests.find((t) => t.status === "failed");
  if (!first?.replay) return { kind: "none" };
  const line = parseReplayLine(first.replay);
  if (!line || line.exercise !== shortName(exercise))
    return { kind: "different", why: "it is not a replay line for this exercise" };
  const replay = decodeReplay(line.token);
  const timeoutMs = options.timeoutSeconds * 1000;
  const ownLimitMs = 1000 * (exercise.timeoutSeconds ?? course.grading.timeoutSeconds);
  const run = await runIsolated({
    testFiles: [fromRoot(exercise.test)],
    target,
    timeoutMs,
    // A raised limit raises each test's with it, as in grading (grade.ts).
    testTimeoutMs: Math.round(TEST_TIMEOUT_MS * Math.max(1, timeoutMs / ownLimitMs)),
    workDir: options.workDir,
    sandbox: options.sandbox,
    replay,
  });
  const again = scoreOneRun(course, exercise, target, run, timeoutMs).tests.find(
    (t) => t.name === first.name,
  );
  if (again?.status !== "failed" || again.output === "skipped")
    return {
      kind: "different",
      why: `${first.name} ${again?.output === "skipped" ? "did not run" : "passed"}`,
    };
  const before = headline(first.output);
  const after = headline(again.output);
  const shown = counterexampleOf(first.output);
  const replayed = counterexampleOf(again.output);
  if (before === after && shown === replayed) return { kind: "same" };
  const why =
    before !== after
      ? `it failed with "${after}" instead of "${before}"`
      : `it failed on the counterexample ${clip(replayed)} instead of ${clip(shown)}`;
  // The same check failing on another case: which case fails first depends on timing, not on the seed.
  const sameCheck = normaliseMessage(before) === normaliseMessage(after) && normaliseMessage(before) !== "";
  return { kind: "different", why: sameCheck ? `${why}; ${TIMING_ADVICE}` : why };
}

const TIMING_ADVICE =
  "the same check failed on another case, so which case fails first depends on timing: make the first check that catches this mistake fix its order (hold tasks with gates) rather than draw it from delays";

const clip = (text: string | undefined) =>
  text === undefined ? "none" : text.length > 80 ? `${text.slice(0, 77)}…` : text;
