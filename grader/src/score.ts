/**
 * From evidence (missing files, compiler diagnostics, isolated test runs) and the manifest's points to a
 * status and a score per exercise. Pure: no files, no processes, so every rule here is unit-tested.
 */
import path from "node:path";
import { type Exercise, shortName } from "./manifest.ts";
import { failedCase, replayCommand } from "./replay.ts";
import { formatMiB } from "./run/caps.ts";
import type { ErrorLocation, IsolatedRunLike, RunError, TestOutcome } from "./run/results.ts";
import type { Diagnostic } from "./run/typecheck.ts";

export const EXERCISE_STATUSES = [
  "passed",
  "partial",
  "failed",
  "not-started",
  "missing",
  "compile-error",
  "timeout",
  "crashed",
  "tampered",
] as const;
export type ExerciseStatus = (typeof EXERCISE_STATUSES)[number];

export interface TestReport {
  /** "<exercise id> › <suite> › <test>" */
  readonly name: string;
  readonly score: number;
  readonly max_score: number;
  readonly status: "passed" | "failed";
  readonly output: string;
  /** The command that replays this failure exactly (a failed property only). */
  readonly replay?: string;
  /** Where in a learner file the failure points, when the stack says so (file as in the manifest). */
  readonly location?: ErrorLocation;
}

export interface ExerciseReport {
  readonly id: string;
  readonly chapter: string;
  readonly title: string;
  readonly score: number;
  readonly max_score: number;
  readonly status: ExerciseStatus;
  readonly duration_ms: number;
  /** One line: why this status. */
  readonly message: string;
  readonly tests: readonly TestReport[];
  /**
   * Known mistakes whose failures these look like, as nudges ("your code releases without notify"):
   * from grader/mutant-signatures.json, added by grading (signatures.ts). Absent when none match.
   */
  readonly likely_mistakes?: readonly string[];
}

export interface Evidence {
  readonly exercise: Exercise;
  readonly chapter: string;
  /** Learner files as the learner knows them (e.g. "exercises/01-concepts/actor.ts"), absolute path. */
  readonly learnerFiles: ReadonlyArray<{
    readonly file: string;
    readonly absolute: string;
    readonly exists: boolean;
    /** Why a file that is there was not graded (a symbolic link, too large). */
    readonly refused?: string;
  }>;
  readonly diagnostics: readonly Diagnostic[];
  /** Trusted files (tests, given code, grader) that changed while the exercise ran. */
  readonly changedTrustedFiles?: readonly string[];
  /** The first run, then the re-run after a hang, if any. */
  readonly runs: readonly IsolatedRunLike[];
  readonly timeoutMs: number;
}

const TODO = /\bTODO\b/;
const IDLE_TIMEOUT = /Test timed out in (\d+)ms/;
const EXIT_CALLED = /process\.exit unexpectedly called with "?(-?\d+|undefined)"?/;
const WORKER_DIED = /Worker (forks|threads) emitted error|Worker exited unexpectedly/;
const PARSE_ERROR = /SyntaxError|Transform failed|Parse failure|Unexpected token|Expected .* but found/;

export const NAME_SEPARATOR = " › ";

export function displayTestName(exerciseId: string, vitestName: string): string {
  return [exerciseId, ...vitestName.split(" > ")].join(NAME_SEPARATOR);
}

/** vitest's full name of a test that a report names for display: displayTestName undone. */
export function vitestTestName(display: string): string {
  return display.split(NAME_SEPARATOR).slice(1).join(" > ");
}

export function scoreExercise(evidence: Evidence): ExerciseReport {
  const { exercise } = evidence;
  const base = {
    id: exercise.id,
    chapter: evidence.chapter,
    title: exercise.title,
    max_score: exercise.points,
    duration_ms: evidence.runs.reduce((sum, run) => sum + run.durationMs, 0),
  };
  const failAll = (output: string) =>
    Object.keys(exercise.tests).map((name) => testReport(exercise, name, undefined, output));

  const refused = evidence.learnerFiles.filter((f) => f.refused !== undefined);
  if (refused.length > 0) {
    const message = refused.map((f) => `${f.file} ${f.refused}`).join("; ");
    return { ...base, score: 0, status: "missing", message, tests: failAll(message) };
  }

  const missing = evidence.learnerFiles.filter((f) => !f.exists);
  if (missing.length > 0) {
    const message = `${missing.map((f) => f.file).join(", ")} not found; restore it with: git checkout -- ${missing.map((f) => f.file).join(" ")}`;
    return { ...base, score: 0, status: "missing", message, tests: failAll(message) };
  }

  if (evidence.diagnostics.length > 0) {
    const first = evidence.diagnostics[0]!;
    const learner =
      evidence.learnerFiles.find((f) => f.absolute === first.file)?.file ?? path.basename(first.file);
    const more = evidence.diagnostics.length > 1 ? ` (and ${evidence.diagnostics.length - 1} more)` : "";
    // A file that went past the type-checker's limits has no line to point to.
    const where = (d: Diagnostic, file: string) => (d.limit ? `${file}:` : `${file}:${d.line}:${d.column}`);
    const message = `${where(first, learner)} ${first.message}${more}`;
    const listing = evidence.diagnostics
      .map(
        (d) =>
          `${where(d, evidence.learnerFiles.find((f) => f.absolute === d.file)?.file ?? d.file)} ${d.message}`,
      )
      .join("\n");
    return {
      ...base,
      score: 0,
      status: "compile-error",
      message,
      tests: failAll(`does not compile:\n${listing}`),
    };
  }

  const tampering = tamperingOf(evidence);
  if (tampering.length > 0) {
    const message = `the code under test tampered with the grader: ${tampering[0]}${tampering.length > 1 ? ` (and ${tampering.length - 1} more)` : ""}; this exercise scores 0`;
    return { ...base, score: 0, status: "tampered", message, tests: failAll(message) };
  }

  // Where the grader read each learner file → the name the learner knows it by.
  const learnerPaths = new Map(evidence.learnerFiles.map((f) => [f.absolute, f.file] as const));
  const outcomes = mergeOutcomes(evidence.runs);
  const hung = evidence.runs.filter((run) => run.timedOut).map((run) => run.runningTest);
  const hangKind = (name: string) =>
    evidence.runs.find((run) => run.timedOut && run.runningTest === name)?.hangKind ??
    "an endless loop or a blocking wait?";
  const seconds = Math.round(evidence.timeoutMs / 1000);

  const tests = Object.keys(exercise.tests).map((name) => {
    if (hung.includes(name)) {
      return testReport(
        exercise,
        name,
        undefined,
        `never finished within the ${seconds} s limit and was stopped: ${hangKind(name)}`,
      );
    }
    const outcome = outcomes.get(name);
    return testReport(exercise, name, outcome, undefined, learnerPaths);
  });
  const score = tests.reduce((sum, t) => sum + t.score, 0);
  const passedCount = tests.filter((t) => t.status === "passed").length;
  const firstFailing = tests.find((t) => t.status === "failed");
  const lastRun = evidence.runs.at(-1);

  // A run ended at its memory cap: say so, whatever else it did before.
  const overMemory = evidence.runs.find((run) => run.overLimit?.resource === "memory");
  if (overMemory?.overLimit) {
    const where = overMemory.runningTest ? ` in test "${overMemory.runningTest}"` : "";
    const message = `used more than ${formatMiB(overMemory.overLimit.limitMiB)} of memory${where}; the run was stopped there (something that grows without bound: a buffer, a queue, a leak?)${creditNote(passedCount, tests.length)}`;
    return { ...base, score, status: "crashed", message, tests };
  }

  // A run that was killed: name the test that hung when the setup told us.
  if (evidence.runs.some((run) => run.timedOut)) {
    const names = hung.filter((n): n is string => n !== undefined);
    const which =
      names.length > 0 ? `test "${names.join('", "')}" never finished` : "the tests never finished";
    const how = names.length > 0 ? hangKind(names[0]!) : "an endless loop or a blocking wait?";
    const message = `stopped at the ${seconds} s limit: ${which}, ${how}${creditNote(passedCount, tests.length)}`;
    return { ...base, score, status: "timeout", message, tests };
  }

  const crash = crashReason(lastRun, outcomes);
  if (crash) {
    const status = PARSE_ERROR.test(crash) && passedCount === 0 ? "compile-error" : "crashed";
    return { ...base, score, status, message: `${crash}${creditNote(passedCount, tests.length)}`, tests };
  }

  if (passedCount === tests.length) {
    return { ...base, score, status: "passed", message: `all ${tests.length} tests pass`, tests };
  }
  if (passedCount === 0 && tests.every((t) => TODO.test(t.output))) {
    return {
      ...base,
      score,
      status: "not-started",
      message: `not started: the stub still says TODO (read ${exercise.notes})`,
      tests,
    };
  }
  const failing = firstFailing
    ? `; first failing: ${shortTestName(firstFailing.name)}: ${headline(firstFailing.output)}`
    : "";
  return {
    ...base,
    score,
    status: passedCount === 0 ? "failed" : "partial",
    message: `${passedCount} of ${tests.length} tests pass${failing}`,
    tests,
  };
}

function creditNote(passed: number, total: number): string {
  return passed > 0 ? `; ${passed} of ${total} tests pass` : "";
}

/**
 * What the grader saw of tampering: canaries that no longer behaved, a canary verdict missing from a run
 * that otherwise reported every test, trusted files that changed. Each entry is one sentence.
 */
export function tamperingOf(evidence: Evidence): string[] {
  const found = [...(evidence.changedTrustedFiles ?? []).map((file) => `changed the trusted file ${file}`)];
  for (const run of evidence.runs) {
    const results = run.results;
    if (!results) continue;
    found.push(...results.canaries.failures);
    const finished =
      results.tests.length > 0 &&
      results.tests.every((t) => t.state !== "pending") &&
      results.unhandledErrors.length === 0 &&
      results.moduleErrors.length === 0;
    if (finished && !results.canaries.ran && !run.timedOut)
      found.push("the grader's closing checks never reported (they were stopped or removed)");
  }
  return [...new Set(found)];
}

/**
 * Results of the last run that reported, with earlier runs filling in tests it skipped. Only what
 * vitest's main process reported counts: the test process's own notes could be forged by the code under
 * test, so a run that had to be stopped earns credit only through the re-run that skips the hung test.
 */
function mergeOutcomes(runs: readonly IsolatedRunLike[]): Map<string, TestOutcome> {
  const merged = new Map<string, TestOutcome>();
  for (const run of runs) {
    const outcomes = run.results?.tests ?? [];
    for (const outcome of outcomes) {
      // A run that skipped a test, or lost its result, says nothing about it: keep what another run said.
      if ((outcome.state === "skipped" || outcome.state === "pending") && merged.has(outcome.name)) continue;
      merged.set(outcome.name, outcome);
    }
  }
  return merged;
}

/** Why a run that was not killed still counts as a crash, or undefined if it did not crash. */
function crashReason(
  run: IsolatedRunLike | undefined,
  outcomes: Map<string, TestOutcome>,
): string | undefined {
  if (!run) return "the tests did not run";
  const allErrors: RunError[] = [
    ...(run.results?.unhandledErrors ?? []),
    ...(run.results?.moduleErrors ?? []),
    ...[...outcomes.values()].flatMap((t) => t.errors),
  ];
  const exit = allErrors.map((e) => EXIT_CALLED.exec(e.message)).find((m) => m !== null);
  if (exit)
    return `the code called process.exit(${exit[1] === "undefined" ? "" : exit[1]}), which ends the whole program`;
  if (!run.results) {
    const how = run.signal ? `signal ${run.signal}` : `exit code ${run.exitCode}`;
    return `the test process died before reporting (${how})${outputHint(run.outputTail)}`;
  }
  const unhandled = run.results.unhandledErrors[0];
  if (unhandled && WORKER_DIED.test(unhandled.message)) {
    return "the test process died in the middle of the tests (killed, out of memory, or an exit that bypassed vitest)";
  }
  if (unhandled) return `an error escaped the tests: ${firstLine(unhandled.message)}`;
  const moduleError = run.results.moduleErrors[0];
  if (moduleError) return `the test file could not load the exercise: ${firstLine(moduleError.message)}`;
  if ([...outcomes.values()].some((t) => t.state === "pending"))
    return "the test process stopped in the middle of a test";
  return undefined;
}

function outputHint(tail: string): string {
  const line = tail
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => /error|heap|memory|killed/i.test(l))
    .at(-1);
  return line ? `: ${line.slice(0, 200)}` : "";
}

function testReport(
  exercise: Exercise,
  name: string,
  outcome: TestOutcome | undefined,
  override?: string,
  learnerPaths: ReadonlyMap<string, string> = new Map(),
): TestReport {
  const max = exercise.tests[name] ?? 0;
  const display = displayTestName(exercise.id, name);
  if (override !== undefined)
    return { name: display, score: 0, max_score: max, status: "failed", output: override };
  if (outcome?.state === "passed")
    return { name: display, score: max, max_score: max, status: "passed", output: "" };
  const output = outcomeOutput(outcome);
  const frame = outcome?.errors.flatMap((e) => e.frames).find((f) => learnerPaths.has(f.file));
  // Reported by the learner's own name for the file, never the grader's private copy.
  const location = frame ? { ...frame, file: learnerPaths.get(frame.file)! } : undefined;
  const failure = outcome?.errors.map((e) => failedCase(e.message)).find((c) => c !== undefined);
  return {
    name: display,
    score: 0,
    max_score: max,
    status: "failed",
    output,
    ...(failure ? { replay: replayCommand(shortName(exercise), { test: name, ...failure }) } : {}),
    ...(location ? { location } : {}),
  };
}

function outcomeOutput(outcome: TestOutcome | undefined): string {
  if (!outcome) return "no result: the test did not run (is its name in the test file as in the manifest?)";
  if (outcome.state === "skipped") return "skipped";
  if (outcome.state === "pending") return "no result: the test process stopped while it ran";
  const text = outcome.errors.map((e) => e.message).join("\n\n") || "failed";
  const idle = IDLE_TIMEOUT.exec(text);
  // vitest's own words for a test that waited in vain; say what that usually means.
  return idle
    ? `idle: the test waited ${Math.round(Number(idle[1]) / 1000)} s for something that never happened (a promise that never settles, a lost wake-up, a lock never released?)\n\n${text}`
    : text;
}

/**
 * The line of a failure that says what went wrong: for a property, the assertion that failed inside it
 * (fast-check's own first line only says that a property failed, and after how many runs).
 */
export function headline(text: string): string {
  // Outside grading, vitest's copy of fast-check's message can say "Caused by: " twice.
  const cause = /Caused by: (?:Caused by: )*(?:[A-Za-z]*Error: )?([^\n]+)/.exec(text);
  return firstLine(cause?.[1] ?? text);
}

export function firstLine(text: string): string {
  const line = text.split(/\r?\n/).find((l) => l.trim() !== "") ?? "";
  return line.length > 160 ? `${line.slice(0, 157)}…` : line;
}

/** A report's test name without the exercise in front: "suite › test". */
export function shortTestName(display: string): string {
  return display.split(NAME_SEPARATOR).slice(1).join(NAME_SEPARATOR);
}
