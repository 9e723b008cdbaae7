// The grader's own tests: unit tests of its modules and end-to-end grading of hostile submissions.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    root: new URL("../..", import.meta.url).pathname,
    include: ["grader/test/**/*.test.ts"],
    pool: "forks",
    setupFiles: ["grader/test/setup.ts"],
    // End-to-end tests grade whole folders, with their own (shorter) limits inside.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
