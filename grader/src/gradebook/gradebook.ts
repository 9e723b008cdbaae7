/**
 * The gradebook of a batch re-grade: one entry per learner with their full report, written as JSON (the
 * whole record) and CSV (one row per learner, one column per exercise, for Canvas, Moodle or a
 * spreadsheet). Shards of a class graded apart merge into the same gradebook as one run over all.
 */
import { existsSync, readFileSync } from "node:fs";
import type { Exercise } from "../manifest.ts";
import { fromRoot } from "../paths.ts";
import { cleanUntrusted } from "../report/clean-report.ts";
import type { Report } from "../report/types.ts";
import { untrustedLine } from "../report/untrusted-text.ts";
import { readSubmissionFile } from "../run/submission.ts";
import type { Target } from "../target.ts";
import { type SimilarPair, signature, similarPairs } from "./similarity.ts";

export const GRADEBOOK_FORMAT = 1;

export interface GradebookEntry {
  readonly learner: string;
  readonly status: "graded" | "error";
  readonly error?: string;
  /** The commit graded, when the submission was collected from a repository. */
  readonly commit?: string;
  readonly report?: Report;
  /** Per exercise, a signature of the learner's code (see similarity.ts); none for untouched stubs. */
  readonly fingerprints?: Readonly<Record<string, readonly number[]>>;
}

export interface Gradebook {
  readonly format_version: typeof GRADEBOOK_FORMAT;
  readonly seed: number;
  readonly grader_version: string;
  /** Exercise ids graded, in course order: the CSV's columns. */
  readonly exercises: readonly string[];
  /** Sorted by learner id. */
  readonly learners: readonly GradebookEntry[];
  /** Near-identical submissions, for a teacher to look at; grades are never changed by them. */
  readonly similar: readonly SimilarPair[];
}

export function buildGradebook(meta: {
  seed: number;
  graderVersion: string;
  exercises: readonly string[];
  entries: readonly GradebookEntry[];
}): Gradebook {
  // Learner ids are folder names, and errors and reports quote the learner's files: clean text only.
  const learners = meta.entries
    .map(cleanUntrusted)
    .sort((a, b) => (a.learner < b.learner ? -1 : a.learner > b.learner ? 1 : 0));
  const fingerprints = new Map(learners.map((e) => [e.learner, e.fingerprints ?? {}] as const));
  return {
    format_version: GRADEBOOK_FORMAT,
    seed: meta.seed,
    grader_version: meta.graderVersion,
    exercises: [...meta.exercises],
    learners,
    similar: similarPairs(fingerprints),
  };
}

/**
 * Signatures of a submission's learner files, exercise by exercise, leaving out untouched stubs. Files are
 * read as grading reads them: never through a link below `namedFolder` (see run/submission.ts).
 */
export function fingerprintsOf(
  exercises: readonly Exercise[],
  submission: Target,
  namedFolder: string = submission.root,
): Record<string, number[]> {
  const result: Record<string, number[]> = {};
  const theirs = (file: string) => {
    const found = readSubmissionFile(submission, file, namedFolder);
    return found.kind === "file" ? found.bytes.toString("utf8") : "";
  };
  const ours = (file: string) => (existsSync(fromRoot(file)) ? readFileSync(fromRoot(file), "utf8") : "");
  for (const exercise of exercises) {
    const mine = exercise.files.map(theirs).join("\n");
    const stub = exercise.files.map(ours).join("\n");
    const print = signature(mine);
    if (print.length > 0 && print.join() !== signature(stub).join()) result[exercise.id] = print;
  }
  return result;
}

/** Why a learner's row needs a look, or "graded". */
export function rowStatus(entry: GradebookEntry): string {
  if (entry.status === "error") return `error: ${entry.error ?? "could not grade"}`;
  const integrity = entry.report?.integrity;
  if (!integrity || integrity.ok) return "graded";
  const reasons = [
    ...(integrity.tampering.length > 0
      ? [`tampered (${integrity.tampering.map((t) => t.exercise).join(" ")})`]
      : []),
    ...(integrity.changed_protected_files.length > 0 ? ["changed protected files"] : []),
    ...(integrity.ignored_files.length > 0 ? ["ignored files"] : []),
  ];
  // No ";" in the cell: spreadsheets set to semicolon-separated lists would split it.
  return `graded (review: ${reasons.join(", ")})`;
}

/** The CSV: a header row, then one row per learner; scores are plain numbers, empty where not graded. */
export function gradebookCsv(gradebook: Gradebook): string {
  const header = ["learner", ...gradebook.exercises, "total", "status"];
  const rows = gradebook.learners.map((entry) => {
    const scores = gradebook.exercises.map((id) =>
      String(entry.report?.exercises.find((r) => r.id === id)?.score ?? ""),
    );
    return [entry.learner, ...scores, entry.report ? String(entry.report.score) : "", rowStatus(entry)];
  });
  return `${[header, ...rows].map((row) => row.map(csvCell).join(",")).join("\n")}\n`;
}

/**
 * A CSV cell that stays one cell in every spreadsheet: one clean line (a learner id is a folder name), a
 * leading apostrophe before anything a spreadsheet would run as a formula, and quotes around separators
 * (";" too: some spreadsheets split on it).
 */
function csvCell(value: string): string {
  const line = untrustedLine(value, { colour: false });
  const safe = /^\s*[=+\-@]/.test(line) ? `'${line}` : line;
  return /[",;]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export class GradebookMergeError extends Error {
  override name = "GradebookMergeError";
}

/** One gradebook from the gradebooks of several shards of one class: as if graded in one run. */
export function mergeGradebooks(parts: readonly Gradebook[]): Gradebook {
  const [first] = parts;
  if (!first) throw new GradebookMergeError("no gradebooks to merge");
  for (const part of parts) {
    if (part.format_version !== GRADEBOOK_FORMAT)
      throw new GradebookMergeError(
        `a gradebook has format ${String(part.format_version)}, expected ${GRADEBOOK_FORMAT}`,
      );
    if (part.seed !== first.seed || part.exercises.join() !== first.exercises.join())
      throw new GradebookMergeError(
        "the gradebooks were graded with different seeds or exercises; grade every shard with the same options",
      );
  }
  const seen = new Set<string>();
  for (const entry of parts.flatMap((p) => p.learners)) {
    if (seen.has(entry.learner))
      throw new GradebookMergeError(`learner "${entry.learner}" is in more than one shard`);
    seen.add(entry.learner);
  }
  return buildGradebook({
    seed: first.seed,
    graderVersion: first.grader_version,
    exercises: first.exercises,
    entries: parts.flatMap((p) => p.learners),
  });
}

/** Which shard (1-based) of `count` a learner belongs to: stable, and balanced over sorted ids. */
export function inShard(learners: readonly string[], shard: { index: number; count: number }): string[] {
  return [...learners].sort().filter((_, i) => i % shard.count === shard.index - 1);
}

export function parseShard(text: string): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count)
    throw new GradebookMergeError(`--shard ${text}: expected I/N with 1 ≤ I ≤ N, e.g. 2/4`);
  return { index, count };
}
