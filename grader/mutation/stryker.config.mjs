// StrykerJS over solutions/: every chapter's exercise tests run against mutated reference solutions.
// Run it with `npm run mutation` (grader/mutation/run.mjs), which picks a Node ≥ 22 and scores each file.
const cache = "node_modules/.cache/stryker";

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  plugins: ["@stryker-mutator/vitest-runner"],
  // The root vitest.config.ts: the same setup file and target plugin as `npm test`; run.mjs sets
  // COURSE_TARGET=solutions, so the tests' imports of exercises/ land on the (mutated) solutions.
  // related: false, since the tests import exercises/, which the target plugin redirects to solutions/.
  vitest: { configFile: "vitest.config.ts", related: false },
  mutate: ["solutions/**/*.ts"],
  coverageAnalysis: "perTest",
  // TypeScript 7 has no JS API for Stryker's checker and tsconfig rewriting: point at a file that does
  // not exist, so Stryker leaves the TypeScript configuration alone (tsx and vitest need none).
  tsconfigFile: "grader/mutation/no-tsconfig.json",
  concurrency: 2,
  timeoutMS: 10_000,
  reporters: ["progress", "clear-text", "json"],
  jsonReporter: { fileName: `${cache}/mutation.json` },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  incrementalFile: `${cache}/incremental.json`,
  tempDirName: `${cache}/sandbox`,
  // run.mjs fails the run per file (every exercise file ≥ 90 %); Stryker's own threshold is the total.
  thresholds: { high: 95, low: 90, break: 90 },
};
