/**
 * Runs in every test process before the test file: the same for `npm test` and for grading, so a learner
 * sees locally what the grader sees.
 */
import { writeFileSync } from "node:fs";
import fc from "fast-check";
import { afterAll, afterEach, beforeEach } from "vitest";
import { cleanupTracked } from "../../harness/resources.ts";
import { revokeFolders } from "../confine/capabilities.ts";
import { CANARY_META, type CanaryVerdict, runCanaries, takeBaseline } from "./canary.ts";
import { RUN_ENV, testTimeoutMs } from "./env.ts";
import { restoreAndReport, takeSnapshot } from "./guards.ts";
import { capOutput } from "./output-cap.ts";
import { startWatchdog } from "./watchdog.ts";

const seed = process.env[RUN_ENV.seed];
if (seed !== undefined && seed !== "") fc.configureGlobal({ seed: Number(seed) });
const replay = process.env[RUN_ENV.replay];
if (replay) {
  // Only the replayed test runs (npm test adds -t), with the failure's seed: fast-check generates and
  // shrinks deterministically, so the same seed meets the same counterexample again.
  const { seed: replaySeed } = JSON.parse(replay) as { seed: number };
  fc.configureGlobal({ seed: replaySeed });
}

if (process.env[RUN_ENV.grading]) capOutput(64 * 1024);

const skip = new Set<string>(JSON.parse(process.env[RUN_ENV.skip] || "[]") as string[]);
const currentTestFile = process.env[RUN_ENV.currentTest];
const snapshot = takeSnapshot();
// After the seed is set, before any test code runs: what the canaries compare against.
const baseline = takeBaseline();
/** Replaced built-ins or matchers seen after a test; they make the whole run count as tampered. */
const tamperedAfterTests: string[] = [];
const watchdog = startWatchdog(
  Number(process.env[RUN_ENV.watchdog]) || testTimeoutMs() + 2_000,
  process.env[RUN_ENV.hung],
  Number(process.env[RUN_ENV.deadline]) || undefined,
);

beforeEach((context) => {
  const name = context.task.fullTestName ?? context.task.name;
  if (currentTestFile) writeFileSync(currentTestFile, name);
  watchdog.testStarted(name);
  if (skip.has(name)) context.skip("skipped after it hung in an earlier run");
});

afterEach(async () => {
  watchdog.testFinished();
  // Workers and child processes a test forgot are ended here, so one test cannot leak into the next.
  const leaked = await cleanupTracked();
  // Folders a test handed to the code under test are its own: the next test starts with none.
  revokeFolders();
  const tampered = restoreAndReport(snapshot);
  if (tampered.length > 0) {
    tamperedAfterTests.push(...tampered.map((what) => `replaced ${what}`));
    throw new Error(
      `the code under test replaced ${tampered.join(", ")}; tests cannot trust their assertions, so this test fails. ` +
        "Leave built-ins and expect alone.",
    );
  }
  if (leaked.length > 0) {
    throw new Error(
      `the test left ${leaked.join(", ")} running; end what you start (terminate, kill, clearTimeout).`,
    );
  }
});

// Registered before the test file's own hooks, so it runs after all of them.
// biome-ignore lint/correctness/noEmptyPattern: vitest requires a destructuring pattern for the context.
afterAll(async ({}, file) => {
  try {
    await cleanupTracked();
    if (currentTestFile) writeFileSync(currentTestFile, "");
  } finally {
    const verdict = await runCanaries(baseline);
    const meta = file.meta as Record<string, unknown>;
    meta[CANARY_META] = {
      ...verdict,
      failures: [...tamperedAfterTests, ...verdict.failures],
    } satisfies CanaryVerdict;
  }
});
