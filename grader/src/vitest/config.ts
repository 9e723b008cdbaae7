/**
 * The vitest configuration for exercise tests, built in one place: `npm test` (vitest.config.ts at the
 * root) and grading (grader/vitest.grade.config.ts) differ only in the options below, so a learner sees
 * locally what the grader sees.
 */
import { rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { defineConfig, type ViteUserConfig } from "vitest/config";
import { repoRoot } from "../paths.ts";
import { RUN_ENV, testTimeoutMs } from "./env.ts";
import LearnerReporter from "./learner-reporter.ts";
import { courseTargetPlugin } from "./plugin.ts";
import { sandboxPoolFromEnv } from "./pool.ts";
import ResultsReporter from "./reporter.ts";

export interface CourseConfigOptions {
  /** Grading: write results for the grader, one worker, capped memory; otherwise the learner's defaults. */
  readonly grading: boolean;
}

/**
 * Where the watchdog names a test it stopped, for `npm test`: set in the environment that the test
 * processes inherit, fresh for each run.
 */
function learnerHungFile(): string {
  const file = path.join(os.tmpdir(), `course-hung-${process.pid}.txt`);
  rmSync(file, { force: true });
  process.env[RUN_ENV.hung] ??= file;
  return process.env[RUN_ENV.hung]!;
}

export function courseConfig({ grading }: CourseConfigOptions): ViteUserConfig {
  const resultsFile = process.env[RUN_ENV.results];
  return defineConfig({
    root: repoRoot,
    plugins: [courseTargetPlugin()],
    // Keep vite's cache out of the learner's tree and out of the way of parallel graders.
    cacheDir: "node_modules/.vite-course",
    test: {
      include: ["exercises/**/*.test.ts"],
      // Lockdown first: nothing of a test file or a learner module runs before the built-ins are frozen.
      setupFiles: ["grader/src/vitest/lockdown.ts", "grader/src/vitest/setup.ts"],
      // Processes, not threads: a crash or an out-of-memory in a worker thread takes vitest itself down.
      // When grading, each test process starts inside the sandbox the grader chose (run/sandbox.ts).
      pool: sandboxPoolFromEnv() ?? "forks",
      testTimeout: testTimeoutMs(),
      hookTimeout: testTimeoutMs(),
      // A leaked child process holding stdio would otherwise delay the end of the run by 10 s.
      teardownTimeout: 2_000,
      ...(grading
        ? {
            execArgv: ["--max-old-space-size=512"],
            maxWorkers: 1,
            reporters: resultsFile ? [new ResultsReporter(resultsFile)] : ["default"],
            watch: false,
          }
        : { reporters: [new LearnerReporter(learnerHungFile())] }),
    },
  });
}
