/** Small formatting helpers shared by the terminal, markdown and GitHub reports. */
import type { ExerciseReport, ExerciseStatus } from "../score.ts";

export const STATUS_MARK: Readonly<Record<ExerciseStatus, string>> = {
  passed: "✓",
  partial: "◐",
  failed: "✗",
  "not-started": "·",
  missing: "?",
  "compile-error": "✗",
  timeout: "⏱",
  crashed: "✗",
  tampered: "⚠",
};

export function percent(score: number, max: number): string {
  return max === 0 ? "–" : `${Math.round((100 * score) / max)}%`;
}

export function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

/** A text bar of `width` cells, filled in proportion. */
export function bar(score: number, max: number, width = 10): string {
  const filled = max === 0 ? 0 : Math.round((width * score) / max);
  return "█".repeat(filled) + "░".repeat(width - filled);
}

/** "It looks like …": the known mistakes an exercise's failures match (signatures.ts), if any. */
export function likelyMistakeLine(exercise: Pick<ExerciseReport, "likely_mistakes">): string | undefined {
  const nudges = exercise.likely_mistakes ?? [];
  return nudges.length > 0 ? `It looks like ${nudges.slice(0, 2).join(", or ")}.` : undefined;
}
