/** Environment variables the grader passes to a test run (besides the target, see target.ts). */
export const RUN_ENV = {
  /** Fixed fast-check seed (grading); unset means a random seed, printed on failure. */
  seed: "COURSE_SEED",
  /** JSON { seed, path }: replay one recorded failure (npm test -- <exercise> --replay <token>). */
  replay: "COURSE_REPLAY",
  /** File the reporter writes its results to. */
  results: "COURSE_RESULTS",
  /** File the setup writes the name of the running test to, so a hard kill can name the test that hung. */
  currentTest: "COURSE_CURRENT_TEST",
  /** JSON array of full test names to skip (a re-run after a hang, for partial credit). */
  skip: "COURSE_SKIP_TESTS",
  /** Milliseconds one test may block its thread before the watchdog stops it (default: TEST_TIMEOUT_MS + 2 s). */
  watchdog: "COURSE_WATCHDOG_MS",
  /** When (ms since the epoch) the watchdog stops a blocked test whatever its own time: before the hard limit. */
  deadline: "COURSE_DEADLINE",
  /** File the watchdog writes the hung test's name to before it stops the test process. */
  hung: "COURSE_HUNG_TEST",
  /** Milliseconds one test (or hook) may take; default TEST_TIMEOUT_MS. Grading scales it with the exercise's limit. */
  testTimeout: "COURSE_TEST_TIMEOUT_MS",
  /** Set when the run is graded: trusted configuration, capped output, no watch mode. */
  grading: "COURSE_GRADING",
  /**
   * Set to run learner code the way it ran before confinement (no lockdown, no compartments, no membrane):
   * only for the trusted reference solutions, by the confinement benchmark, the mutation run and verify's coverage run
   * (V8 coverage maps only modules vite loaded itself). Grading never sets it.
   */
  unconfined: "COURSE_UNCONFINED",
} as const;

/** Per-test limit. Async hangs end here; synchronous ones are ended by the watchdog (watchdog.ts). */
export const TEST_TIMEOUT_MS = 10_000;

/** This run's per-test limit: the grader's, where it set one (a raised exercise limit raises it too). */
export function testTimeoutMs(): number {
  const given = Number(process.env[RUN_ENV.testTimeout]);
  return Number.isFinite(given) && given > 0 ? given : TEST_TIMEOUT_MS;
}

/** True in a run that measures or covers trusted code without confinement (see RUN_ENV.unconfined). */
export function isUnconfined(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[RUN_ENV.unconfined] === "1";
}
