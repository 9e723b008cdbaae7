/**
 * A small vitest reporter that writes per-test results for the grader.
 *
 * vitest's JSON reporter marks a file whose worker crashed as "passed" with pending tests, so the grader
 * uses this instead and scores against the manifest's list of expected tests: a test with no result has
 * failed. The reporter runs in vitest's main process, out of reach of the code under test.
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Reporter, TestModule } from "vitest/node";
import { repoRoot } from "../paths.ts";
import type { ErrorLocation, RunError, RunResults, TestOutcome } from "../run/results.ts";
import { CANARY_META, type CanaryVerdict } from "./canary.ts";

interface LooseError {
  message?: unknown;
  name?: unknown;
  diff?: unknown;
  cause?: unknown;
  stacks?: ReadonlyArray<{ file: string; line: number; column: number }>;
}

const MAX_MESSAGE = 4000;

/** fast-check's advice on its own verbose mode: noise for a learner reading a grade. */
const VERBOSE_HINT = /\n*Hint: Enable verbose mode[^\n]*\n?/g;

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes start with ESC.
const ANSI = /\u001b\[[0-9;]*m/g;

export function toRunError(error: LooseError): RunError {
  const name = typeof error.name === "string" && error.name !== "Error" ? `${error.name}: ` : "";
  let message = `${name}${String(error.message ?? "unknown error")}`;
  if (typeof error.diff === "string" && error.diff.trim() !== "") message += `\n\n${error.diff}`;
  // fast-check reports the property's own error as the cause; that is where "TODO: …" or the failed
  // expectation lives, so keep it in the message.
  let cause = error.cause as LooseError | undefined;
  for (let depth = 0; cause && typeof cause === "object" && depth < 3; depth++) {
    const causeName = typeof cause.name === "string" ? cause.name : "Error";
    message += `\n\nCaused by: ${causeName}: ${String(cause.message ?? "")}`;
    if (typeof cause.diff === "string" && cause.diff.trim() !== "") message += `\n${cause.diff}`;
    cause = cause.cause as LooseError | undefined;
  }
  message = message.replace(ANSI, "").replace(VERBOSE_HINT, "");
  if (message.length > MAX_MESSAGE) message = `${message.slice(0, MAX_MESSAGE)}\n… (truncated)`;
  const frames: ErrorLocation[] = [
    ...(error.stacks ?? []),
    ...((error.cause as LooseError | undefined)?.stacks ?? []),
  ]
    .filter((frame) => !frame.file.includes("/node_modules/"))
    .slice(0, 8)
    .map(({ file, line, column }) => ({ file, line, column }));
  return { message, frames };
}

export function collectResults(
  modules: ReadonlyArray<TestModule>,
  unhandled: ReadonlyArray<LooseError>,
): RunResults {
  const tests: TestOutcome[] = [];
  const moduleErrors: RunError[] = [];
  const canaryFailures: string[] = [];
  let canariesRan = modules.length > 0;
  for (const module of modules) {
    moduleErrors.push(...module.errors().map(toRunError));
    const verdict = (module.meta() as Record<string, unknown>)[CANARY_META] as CanaryVerdict | undefined;
    if (verdict?.ran === true && Array.isArray(verdict.failures)) {
      canaryFailures.push(...verdict.failures.map((f) => String(f).slice(0, 300)));
    } else {
      canariesRan = false;
    }
    for (const test of module.children.allTests()) {
      const result = test.result();
      tests.push({
        file: path.relative(repoRoot, module.moduleId).split(path.sep).join("/"),
        name: test.fullName,
        state: result.state,
        durationMs: Math.round(test.diagnostic()?.duration ?? 0),
        errors: (result.errors ?? []).map(toRunError),
      });
    }
  }
  return {
    tests,
    moduleErrors,
    unhandledErrors: unhandled.map(toRunError),
    canaries: { ran: canariesRan, failures: canaryFailures },
  };
}

export default class ResultsReporter implements Reporter {
  constructor(private readonly outputFile: string) {}

  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<LooseError>): void {
    const results = collectResults(modules, unhandledErrors);
    // Write then rename, so the grader never reads half a file.
    mkdirSync(path.dirname(this.outputFile), { recursive: true });
    const partial = `${this.outputFile}.partial`;
    writeFileSync(partial, JSON.stringify(results));
    renameSync(partial, this.outputFile);
  }
}
