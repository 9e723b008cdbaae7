/** `npm run grade`: score exercises with the trusted tests and print, or write, the report. */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { grade } from "../grade.ts";
import { parseShard } from "../gradebook/gradebook.ts";
import { allExercises, type Course, type Exercise, findExercise, loadCourse } from "../manifest.ts";
import { exercisesDir, relativeToRoot, userPath } from "../paths.ts";
import { isGitHubActions, publishToGitHub, stopCommands } from "../report/github.ts";
import { renderMarkdown } from "../report/markdown.ts";
import { progressPrinter, renderTerminal } from "../report/terminal.ts";
import type { Integrity, Report } from "../report/types.ts";
import { detectSandbox, type SandboxKind } from "../run/sandbox.ts";
import { recordLikelyMistakes } from "../signatures.ts";
import { defaultTarget, type Target } from "../target.ts";
import { UsageError } from "./errors.ts";

export const usage = `npm run grade [-- options]
  --dir DIR          grade the learner files in DIR (laid out like exercises/); default exercises/
  --only ID          grade only this exercise (id or short name); repeatable
  --json FILE        write the report as JSON (a superset of Gradescope's results.json)
  --markdown FILE    write the report as markdown
  --seed N           fast-check seed (default: the course's fixed grading seed)
  --timeout SECONDS  wall-clock limit per exercise (default: from the manifest)
  --min-score N      exit 1 unless the score reaches N
  --integrity FILE   record protected-file changes (written by \`ci integrity\`) in the report
  --batch DIR        grade every subfolder of DIR as one learner's submission
  --gradebook PATH   with --batch: write PATH.csv and PATH.json (default gradebook)
  --shard I/N        with --batch: grade only the I-th of N shares of the learners
  --repeat N         grade N times with seeds SEED, SEED+1, …; report exercises graded differently (flakes)
  --no-sandbox       run learner code without a sandbox (only for code you trust);
                     --batch and GitHub Actions refuse to grade unsandboxed without it`;

export async function gradeCommand(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      dir: { type: "string" },
      only: { type: "string", multiple: true },
      json: { type: "string" },
      markdown: { type: "string" },
      seed: { type: "string" },
      timeout: { type: "string" },
      "min-score": { type: "string" },
      batch: { type: "string" },
      shard: { type: "string" },
      repeat: { type: "string" },
      gradebook: { type: "string" },
      integrity: { type: "string" },
      quiet: { type: "boolean", default: false },
      "no-sandbox": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const course = loadCourse();
  const exercises = values.only ? selectExercises(course, values.only) : allExercises(course);
  const seed =
    values.seed !== undefined ? parseNumber("--seed", values.seed, Number.isInteger) : course.grading.seed;
  const timeoutSeconds =
    values.timeout !== undefined ? parseNumber("--timeout", values.timeout, (n) => n > 0) : undefined;
  const sandbox = chooseSandbox({
    optOut: values["no-sandbox"],
    mustBeTrusted: values.batch !== undefined || isGitHubActions(),
  });
  const common = { exercises, seed, sandbox, ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}) };

  if (values.batch !== undefined) {
    const { gradeBatch } = await import("./batch.ts");
    return gradeBatch(course, resolveDir("--batch", values.batch), values.gradebook ?? "gradebook", {
      ...common,
      quiet: values.quiet,
      ...(values.shard !== undefined ? { shard: parseShard(values.shard) } : {}),
    });
  }

  const named = values.dir !== undefined ? resolveDir("--dir", values.dir) : undefined;
  const target = named !== undefined ? { root: submissionRoot(named) } : defaultTarget;
  if (values.repeat !== undefined) {
    const times = parseNumber("--repeat", values.repeat, (n) => Number.isInteger(n) && n >= 2);
    const { gradeRepeatedly } = await import("./repeat.ts");
    return gradeRepeatedly(course, {
      ...common,
      target,
      ...(named !== undefined ? { namedFolder: named } : {}),
      times,
    });
  }
  const changed = values.integrity !== undefined ? readChangedProtected(values.integrity) : undefined;
  // On GitHub, nothing printed from here on may be taken for a workflow command (it includes learner text).
  const fence = isGitHubActions() ? stopCommands() : undefined;
  const report = await grade(course, {
    ...common,
    target,
    ...(named !== undefined ? { namedFolder: named } : {}),
    ...(changed ? { changedProtectedFiles: changed } : {}),
    onProgress: values.quiet ? undefined : progressPrinter(),
  });
  writeReports(report, values);
  // For `npm run hint`: what the failures of your own exercises/ look like.
  if (target === defaultTarget) recordLikelyMistakes(exercises, report.exercises);
  if (!values.quiet)
    console.log(renderTerminal(report, `${course.title}: grading ${describeTarget(target)} (seed ${seed})`));
  fence?.resume();
  if (isGitHubActions()) publishToGitHub(report);

  if (values["min-score"] !== undefined) {
    const min = parseNumber("--min-score", values["min-score"], (n) => n >= 0);
    if (report.score < min) {
      console.error(`score ${report.score} is below --min-score ${min}`);
      return 1;
    }
  }
  return 0;
}

export function writeReports(
  report: Report,
  files: { json?: string | undefined; markdown?: string | undefined },
): void {
  if (files.json) writeFile(files.json, `${JSON.stringify(report, null, 2)}\n`);
  if (files.markdown) writeFile(files.markdown, renderMarkdown(report));
}

function writeFile(file: string, text: string): void {
  const absolute = userPath(file);
  mkdirSync(path.dirname(absolute), { recursive: true });
  writeFileSync(absolute, text);
}

export function selectExercises(course: Course, queries: readonly string[]): Exercise[] {
  const wanted = new Set(
    queries
      .flatMap((q) => q.split(","))
      .filter((q) => q.trim() !== "")
      .map((q) => findExercise(course, q)),
  );
  return allExercises(course).filter((e) => wanted.has(e));
}

/** Paths on the command line are relative to where the user ran npm, not to the repository. */
export function resolveDir(flag: string, dir: string): string {
  const absolute = userPath(dir);
  if (!existsSync(absolute) || !statSync(absolute).isDirectory()) {
    throw new UsageError(
      `${flag} ${dir}: no such folder (looked for ${absolute}). Give a folder laid out like exercises/.`,
    );
  }
  return absolute;
}

/**
 * A submission may be a bare folder laid out like exercises/, or a clone of the whole course. A clone's
 * exercises/ counts even when it is a symbolic link, so that grading refuses the link by name instead of
 * reporting every file missing.
 */
export function submissionRoot(dir: string): string {
  const inner = lstatSync(path.join(dir, "exercises"), { throwIfNoEntry: false });
  const looksLikeClone =
    (inner?.isDirectory() || inner?.isSymbolicLink()) && !readdirSync(dir).some((n) => /^\d\d-/.test(n));
  return looksLikeClone ? path.join(dir, "exercises") : dir;
}

/** The protected files a pull request changed, as `ci integrity` recorded them. */
function readChangedProtected(file: string): string[] {
  const absolute = userPath(file);
  if (!existsSync(absolute)) throw new UsageError(`--integrity ${file}: no such file`);
  const data = JSON.parse(readFileSync(absolute, "utf8")) as Partial<Integrity>;
  if (!Array.isArray(data.changed_protected_files)) {
    throw new UsageError(`--integrity ${file}: expected { "changed_protected_files": [...] }`);
  }
  return data.changed_protected_files.map(String);
}

/**
 * The protection to grade with: the strongest this machine has. Grades meant to be trusted (a batch, a
 * pull request on GitHub) are refused without a sandbox, unless the caller says so explicitly.
 */
export function chooseSandbox(
  request: { optOut: boolean; mustBeTrusted: boolean },
  detected: { kind: SandboxKind; reason: string } = detectSandbox(),
): SandboxKind {
  if (request.optOut) return "none";
  const { kind, reason } = detected;
  if (kind === "none" && request.mustBeTrusted) {
    throw new UsageError(
      `refusing to grade without a sandbox: ${reason}. Install bubblewrap (apt-get install bubblewrap), grade as root in a container, or pass --no-sandbox if you trust the code.`,
    );
  }
  return kind;
}

function describeTarget(target: Target): string {
  if (target.root === exercisesDir) return "exercises/";
  const rel = relativeToRoot(target.root);
  return rel.startsWith("..") || path.isAbsolute(rel) ? target.root : `${rel}/`;
}

function parseNumber(flag: string, text: string, valid: (n: number) => boolean): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || !valid(n))
    throw new UsageError(`${flag} ${text}: not a valid number here.`);
  return n;
}
