/**
 * The grading report: a superset of Gradescope's results.json. Field names and status words are a contract
 * (teachers' scripts read them); new fields may be added, none renamed or removed.
 */
import type { SandboxKind } from "../run/sandbox.ts";
import type { ExerciseReport, TestReport } from "../score.ts";

export interface ChapterSummary {
  readonly id: string;
  readonly title: string;
  readonly score: number;
  readonly max_score: number;
}

export interface Integrity {
  /** False when anything below needs a look: changed protected files, tampering, shadowing files. */
  readonly ok: boolean;
  /** Protected files (tests, given code, grader, configs, workflows) that the submission changed. */
  readonly changed_protected_files: readonly string[];
  /** The protection learner code ran under: "bubblewrap", "unprivileged user" or "none". */
  readonly sandbox: SandboxKind;
  /** Exercises scored 0 because their code tampered with the grader, and what it did. */
  readonly tampering: ReadonlyArray<{ readonly exercise: string; readonly reason: string }>;
  /** Files in the submission that could shadow the course's (node_modules, package.json, …): ignored. */
  readonly ignored_files: readonly string[];
}

export interface Report {
  readonly score: number;
  readonly max_score: number;
  /** Seconds. */
  readonly execution_time: number;
  /** A short text summary for Gradescope's top-level output. */
  readonly output: string;
  readonly tests: readonly TestReport[];
  readonly exercises: readonly ExerciseReport[];
  readonly chapters: readonly ChapterSummary[];
  readonly integrity: Integrity;
  readonly seed: number;
  readonly grader_version: string;
  /** The first exercise not yet passed, in course order, and the command for its next hint. */
  readonly next: { readonly id: string; readonly command: string } | null;
}
