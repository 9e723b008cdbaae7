/**
 * The pull-request comment, rendered in the privileged workflow from the grading job's artifact.
 *
 * That artifact was produced next to the learner's code, so it is untrusted data: it is size-checked,
 * parsed, validated against the report schema, and everything shown from it is escaped or fenced and
 * capped (GitHub refuses comments over 65,536 characters). The hint comes from the trusted manifest.
 */
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { allExercises, type Course } from "../manifest.ts";
import { fromRoot } from "../paths.ts";
import { renderMarkdown } from "./markdown.ts";
import type { Report } from "./types.ts";

/** Marks our comment, so each push updates it instead of adding another. */
export const COMMENT_MARKER = "<!-- concurrency-course:grade -->";
const DATA_PREFIX = "<!-- grade-data:";
/** Reports bigger than this are not even parsed. */
export const MAX_REPORT_BYTES = 20 * 1024 * 1024;
/** GitHub's limit is 65,536 characters; stay well under it. */
export const MAX_COMMENT_LENGTH = 60_000;

export type ParsedReport =
  | { readonly ok: true; readonly report: Report }
  | { readonly ok: false; readonly problem: string };

let validator: ReturnType<Ajv["compile"]> | undefined;

export function parseUntrustedReport(text: string): ParsedReport {
  if (Buffer.byteLength(text) > MAX_REPORT_BYTES) {
    return {
      ok: false,
      problem: `the report is ${Math.round(Buffer.byteLength(text) / 1e6)} MB, more than we read`,
    };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, problem: "the report is not valid JSON" };
  }
  validator ??= new Ajv({ allErrors: false }).compile(
    JSON.parse(readFileSync(fromRoot("grader/report.schema.json"), "utf8")),
  );
  if (!validator(data)) {
    const first = validator.errors?.[0];
    return {
      ok: false,
      problem: `the report does not match its schema (${first?.instancePath || "top level"} ${first?.message ?? ""})`,
    };
  }
  return { ok: true, report: data as Report };
}

/** The per-exercise scores our previous comment recorded, if it is ours and readable. */
export function previousScores(previousComment: string | undefined): Map<string, number> | undefined {
  if (!previousComment?.includes(COMMENT_MARKER)) return undefined;
  const start = previousComment.lastIndexOf(DATA_PREFIX);
  if (start < 0) return undefined;
  const end = previousComment.indexOf("-->", start);
  try {
    const data = JSON.parse(previousComment.slice(start + DATA_PREFIX.length, end)) as unknown;
    if (typeof data !== "object" || data === null || Array.isArray(data)) return undefined;
    const entries = Object.entries(data).filter(
      ([id, score]) =>
        /^[0-9]{2}-[a-z0-9-]+\/[a-z0-9-]+$/.test(id) && typeof score === "number" && Number.isFinite(score),
    );
    return new Map(entries as [string, number][]);
  } catch {
    return undefined;
  }
}

export interface CommentInput {
  /** The artifact's report.json, as text (untrusted). */
  readonly reportText: string;
  /** The body of our previous comment on this pull request, if any. */
  readonly previousComment?: string;
  /** The trusted course manifest (from the default branch). */
  readonly course: Course;
  /** Protected files the pull request changes, as listed by GitHub's API (trusted). */
  readonly changedProtected?: readonly string[];
}

export function renderComment(input: CommentInput): string {
  const parsed = parseUntrustedReport(input.reportText);
  if (!parsed.ok) {
    return [
      COMMENT_MARKER,
      "## Grade: not available",
      "",
      `The grading job's report could not be used: ${parsed.problem}. Nothing was scored from it; your teacher's re-grade decides.`,
      "",
    ].join("\n");
  }
  const { report } = parsed;
  const next = report.next ? allExercises(input.course).find((e) => e.id === report.next?.id) : undefined;
  const previous = previousScores(input.previousComment);
  const scores = Object.fromEntries(report.exercises.map((e) => [e.id, e.score]));
  const data = `${DATA_PREFIX}${JSON.stringify(scores)}-->`;
  const body = renderMarkdown(report, {
    heading: "Grade",
    maxOutput: 1500,
    ...(previous ? { previous } : {}),
    ...(next?.hints[0] ? { nextHint: next.hints[0] } : {}),
    ...(input.changedProtected ? { changedProtected: input.changedProtected } : {}),
    maxLength: MAX_COMMENT_LENGTH - COMMENT_MARKER.length - data.length - 10,
  });
  return `${COMMENT_MARKER}\n${body}\n${data}\n`;
}
