// The grader's own tests: unit tests of its modules and end-to-end grading of hostile submissions.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    root: new URL("../..", import.meta.url).pathname,
    include: ["grader/test/**/*.test.ts"],
    pool: "forks",
    setupFiles: ["grader/test/setup.ts"],
    // A hang backstop, not a speed check: end-to-end tests grade whole folders (a class of 30 three times
    // over), and on two loaded cores that takes minutes. Grading's own limits inside them stay short.
    testTimeout: 10 * 60_000,
    hookTimeout: 10 * 60_000,
  },
});
