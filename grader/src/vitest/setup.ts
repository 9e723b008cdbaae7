/**
 * Runs in every test process before the test file: the same for `npm test` and for grading, so a learner
 * sees locally what the grader sees.
 */
import { appendFileSync, writeFileSync } from "node:fs";
import fc from "fast-check";
import { afterAll, afterEach, beforeEach } from "vitest";
import { cleanupTracked } from "../../harness/resources.ts";
import { RUN_ENV, TEST_TIMEOUT_MS } from "./env.ts";
import { restoreAndReport, takeSnapshot } from "./guards.ts";
import { capOutput } from "./output-cap.ts";
import { startWatchdog } from "./watchdog.ts";

const seed = process.env[RUN_ENV.seed];
if (seed !== undefined && seed !== "") fc.configureGlobal({ seed: Number(seed) });

if (process.env[RUN_ENV.grading]) capOutput(64 * 1024);

const skip = new Set<string>(JSON.parse(process.env[RUN_ENV.skip] || "[]") as string[]);
const currentTestFile = process.env[RUN_ENV.currentTest];
const progressFile = process.env[RUN_ENV.progress];
const snapshot = takeSnapshot();
const watchdog = startWatchdog(
  Number(process.env[RUN_ENV.watchdog]) || TEST_TIMEOUT_MS + 2_000,
  process.env[RUN_ENV.hung],
);

beforeEach((context) => {
  const name = context.task.fullTestName ?? context.task.name;
  if (currentTestFile) writeFileSync(currentTestFile, name);
  watchdog.testStarted(name);
  if (skip.has(name)) context.skip("skipped after it hung in an earlier run");
  // vitest sends results to its main process in batches; a test that then blocks the thread for good
  // takes the unsent batch down with it. Recording each result as it happens keeps the earlier tests'
  // results for a run the grader has to kill.
  if (progressFile) {
    context.onTestFinished(({ task }) => {
      const state = task.result?.state === "pass" ? "passed" : "failed";
      const message = task.result?.errors?.[0]?.message ?? "";
      appendFileSync(progressFile, `${JSON.stringify({ name, state, message: message.slice(0, 2000) })}\n`);
    });
  }
});

afterEach(async () => {
  watchdog.testFinished();
  // Workers and child processes a test forgot are ended here, so one test cannot leak into the next.
  const leaked = await cleanupTracked();
  const tampered = restoreAndReport(snapshot);
  if (tampered.length > 0) {
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

afterAll(async () => {
  await cleanupTracked();
  if (currentTestFile) writeFileSync(currentTestFile, "");
});
