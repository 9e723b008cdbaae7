/**
 * The grading report: a superset of Gradescope's results.json. Field names and status words are a contract
 * (teachers' scripts read them); new fields may be added, none renamed or removed.
 */
import type { ExerciseReport, TestReport } from "../score.ts";

export interface ChapterSummary {
  readonly id: string;
  readonly title: string;
  readonly score: number;
  readonly max_score: number;
}

export interface Integrity {
  readonly ok: boolean;
  /** Protected files (tests, given code, grader, configs, workflows) that the submission changed. */
  readonly changed_protected_files: readonly string[];
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
