#!/usr/bin/env node
/**
 * `npm run mutation [-- --incremental] [-- --mutate <file>]`: StrykerJS with its vitest runner over
 * solutions/, for maintainers. It mutates the reference solutions, runs the exercises' tests against each
 * mutant, prints a mutation score per exercise file, and fails when any file scores below 90 %.
 *
 * Stryker 10 needs Node ≥ 22. On an older Node this script installs Node 24 from the npm registry's `node`
 * package once, into node_modules/.cache/node24, and runs itself again with it.
 *
 * An equivalent mutant (one no test can tell from the solution) is marked in the solution with
 * `// Stryker disable next-line <mutator>: <one line saying why it is equivalent>`.
 * Plain JavaScript on purpose: it must start on any Node, before tsx or Stryker can.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const MIN_NODE = 22;
const THRESHOLD = 90;
const cacheDir = path.join(root, "node_modules", ".cache");
const reportFile = path.join(cacheDir, "stryker", "mutation.json");

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

/** A Node ≥ 22 to run Stryker with: this one, or Node 24 from the `node` package, installed once. */
function nodeForStryker() {
  if (Number(process.versions.node.split(".")[0]) >= MIN_NODE) return undefined;
  const prefix = path.join(cacheDir, "node24");
  const binary = path.join(
    prefix,
    "node_modules",
    ".bin",
    process.platform === "win32" ? "node.cmd" : "node",
  );
  if (!existsSync(binary)) {
    console.error(
      `Stryker needs Node ≥ ${MIN_NODE} (this is ${process.version}): installing node@24 into ${path.relative(root, prefix)} once…`,
    );
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const status = run(npm, [
      "install",
      "--prefix",
      prefix,
      "--no-save",
      "--no-audit",
      "--no-fund",
      "--no-package-lock",
      "node@24",
    ]);
    if (status !== 0 || !existsSync(binary)) {
      console.error(
        `could not install node@24 into ${prefix}; install Node ${MIN_NODE}+ yourself and run npm run mutation again`,
      );
      process.exit(1);
    }
  }
  return binary;
}

/** Stryker's score: detected mutants (killed or timed out) over all valid ones. */
function scores(report) {
  const rows = [];
  for (const [file, { mutants }] of Object.entries(report.files)) {
    const count = (...states) => mutants.filter((m) => states.includes(m.status)).length;
    const detected = count("Killed", "Timeout");
    const undetected = count("Survived", "NoCoverage");
    const valid = detected + undetected;
    const survivors = mutants
      .filter((m) => m.status === "Survived" || m.status === "NoCoverage")
      .map(
        (m) =>
          `${file}:${m.location.start.line}:${m.location.start.column} ${m.mutatorName} ${m.status}${m.replacement ? ` → ${m.replacement.replace(/\s+/g, " ").slice(0, 60)}` : ""}`,
      );
    rows.push({
      file,
      detected,
      valid,
      ignored: count("Ignored"),
      // Stryker leaves these out of the score: the mutant crashed the test process (an endless loop that
      // the watchdog ended, a heap blown by a path that never shrinks) or did not compile.
      crashed: count("RuntimeError", "CompileError"),
      score: valid === 0 ? 100 : (100 * detected) / valid,
      survivors,
    });
  }
  return rows.sort((a, b) => a.file.localeCompare(b.file));
}

function main() {
  const args = process.argv.slice(2);
  if (args.includes("--help")) {
    console.log(
      "npm run mutation [-- --incremental] [-- --mutate solutions/01-concepts/deadlock.ts]\n" +
        "  --incremental   re-test only mutants whose code or tests changed since the last run (daily work)\n" +
        "  other options go to `stryker run` as they are",
    );
    return 0;
  }
  const node24 = nodeForStryker();
  if (node24) return run(node24, [fileURLToPath(import.meta.url), ...args]);

  const stryker = path.join(root, "node_modules", "@stryker-mutator", "core", "bin", "stryker.js");
  const status = run(process.execPath, [stryker, "run", "grader/mutation/stryker.config.mjs", ...args], {
    // The solutions are the target of every test import, with the grading seed: a deterministic run.
    // Stryker switches mutants through a global of the test process, which a compartment would hide:
    // the trusted solutions load unconfined here, as in verify's coverage run.
    env: {
      ...process.env,
      COURSE_TARGET: "solutions",
      COURSE_SEED: process.env.COURSE_SEED || "1",
      COURSE_UNCONFINED: "1",
    },
  });
  if (!existsSync(reportFile)) {
    console.error("Stryker wrote no report; see its output above");
    return status || 1;
  }
  const rows = scores(JSON.parse(readFileSync(reportFile, "utf8")));
  const width = Math.max(...rows.map((r) => r.file.length));
  console.log(`\nmutation score per file (fails below ${THRESHOLD} %)`);
  for (const r of rows) {
    const mark = r.score >= THRESHOLD ? "✓" : "✗";
    console.log(
      `  ${mark} ${r.file.padEnd(width)}  ${r.score.toFixed(1).padStart(5)} %  ${r.detected}/${r.valid} detected${r.ignored ? `, ${r.ignored} marked equivalent` : ""}${r.crashed ? `, ${r.crashed} crashed the test run (not scored)` : ""}`,
    );
  }
  const survivors = rows.flatMap((r) => r.survivors);
  if (survivors.length > 0) console.log(`\nsurvivors (${survivors.length}):\n  ${survivors.join("\n  ")}`);
  const low = rows.filter((r) => r.score < THRESHOLD);
  if (low.length > 0) {
    console.error(
      `\n${low.length} file(s) below ${THRESHOLD} %: kill the survivors with a test, or mark a truly equivalent mutant with // Stryker disable next-line <mutator>: <why>`,
    );
    return 1;
  }
  return status;
}

process.exit(main());
