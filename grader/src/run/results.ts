/** What one isolated test run reports back to the grader (written by the reporter, read by the runner). */

export type TestState = "passed" | "failed" | "skipped" | "pending";

export interface ErrorLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export interface RunError {
  readonly message: string;
  /** Stack frames outside node_modules, innermost first (file is absolute). */
  readonly frames: readonly ErrorLocation[];
}

export interface TestOutcome {
  /** The test file, relative to the repository root. */
  readonly file: string;
  /** Full name without the file: suites and test joined by " > ". */
  readonly name: string;
  readonly state: TestState;
  readonly durationMs: number;
  readonly errors: readonly RunError[];
}

export interface RunResults {
  readonly tests: readonly TestOutcome[];
  /** Errors while loading the test file (syntax errors, a failing import, a throw at import time). */
  readonly moduleErrors: readonly RunError[];
  /** Errors outside any test: uncaught exceptions, a worker that exited unexpectedly. */
  readonly unhandledErrors: readonly RunError[];
  /**
   * The canaries' verdict (vitest/canary.ts): `ran` is false when some test file never delivered one,
   * and `failures` names what the code under test weakened.
   */
  readonly canaries: { readonly ran: boolean; readonly failures: readonly string[] };
}

/** The parts of an isolated run that scoring needs (see isolate.ts). */
export interface IsolatedRunLike {
  readonly results: RunResults | null;
  readonly timedOut: boolean;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly durationMs: number;
  readonly runningTest: string | undefined;
  /** How the hung test hung, as the watchdog saw it ("spinning on the CPU …", "blocked …"). */
  readonly hangKind?: string;
  readonly outputTail: string;
  /** A resource limit the run went past, which ended it (limits.ts). */
  readonly overLimit?: { readonly resource: "memory"; readonly limitMiB: number };
}
