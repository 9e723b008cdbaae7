/**
 * The pull-request comment, rendered in the privileged workflow from the grading job's artifact.
 *
 * That artifact was produced next to the learner's code (and, when the pull request changes a workflow, by
 * the learner's own version of the grading workflow), so it is untrusted data: it is size-checked, parsed,
 * validated against the report schema and then against the trusted manifest (known exercises and tests,
 * scores within their points, totals that add up); a report that fails a check shows no score at all.
 * Everything shown from it is stripped of control characters, escaped or fenced, and capped (GitHub
 * refuses comments over 65,536 characters). The hint comes from the trusted manifest, and what the pull
 * request changes from GitHub's API.
 */
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { allExercises, type Course, chapterOf, isProtected, shortName } from "../manifest.ts";
import { fromRoot } from "../paths.ts";
import { displayTestName, EXERCISE_STATUSES } from "../score.ts";
import { cleanUntrusted } from "./clean-report.ts";
import { changedWorkflowsNote, escapeInline, renderMarkdown, WORKFLOWS } from "./markdown.ts";
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
  // Whatever made this report, its text is shown only after the rule every report follows.
  return { ok: true, report: cleanUntrusted(data as Report) };
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

/** Scores are sums of points; allow for floating-point rounding, nothing more. */
const EPSILON = 1e-6;
const withinPoints = (score: number, max: number) => score >= 0 && score <= max + EPSILON;

/**
 * Check a schema-valid report against the trusted manifest. Returns why it cannot be believed, in one
 * line (it may quote the report: escape it before showing it), or undefined when every check passes.
 */
export function checkReport(report: Report, course: Course): string | undefined {
  const known = new Map(allExercises(course).map((e) => [e.id, e] as const));
  const seen = new Set<string>();
  const testPoints = new Map<string, number>();
  for (const exercise of known.values()) {
    for (const [name, points] of Object.entries(exercise.tests))
      testPoints.set(displayTestName(exercise.id, name), points);
  }
  const statuses: readonly string[] = EXERCISE_STATUSES;
  const checkTests = (tests: Report["tests"], where: string, own?: ReadonlySet<string>) => {
    for (const test of tests) {
      const points = testPoints.get(test.name);
      if (points === undefined || (own && !own.has(test.name)))
        return `${where} lists a test the course does not have ("${test.name}")`;
      if (test.status !== "passed" && test.status !== "failed")
        return `test "${test.name}" has the unknown status "${String(test.status)}"`;
      if (test.max_score !== points)
        return `test "${test.name}" is worth ${test.max_score}, but the course gives it ${points}`;
      if (!withinPoints(test.score, points))
        return `test "${test.name}" scores ${test.score} of at most ${points}`;
    }
    return undefined;
  };

  for (const e of report.exercises) {
    const exercise = known.get(e.id);
    if (!exercise) return `it grades an exercise the course does not have ("${e.id}")`;
    if (seen.has(e.id)) return `it grades ${e.id} twice`;
    seen.add(e.id);
    if (e.chapter !== chapterOf(course, exercise).id) return `${e.id} is put in the wrong chapter`;
    if (!statuses.includes(e.status)) return `${e.id} has the unknown status "${String(e.status)}"`;
    if (e.max_score !== exercise.points)
      return `${e.id} is out of ${e.max_score}, but the course gives it ${exercise.points} points`;
    if (!withinPoints(e.score, exercise.points))
      return `${e.id} scores ${e.score} of at most ${exercise.points}`;
    const own = new Set(Object.keys(exercise.tests).map((name) => displayTestName(exercise.id, name)));
    const problem = checkTests(e.tests, e.id, own);
    if (problem) return problem;
    if (new Set(e.tests.map((t) => t.name)).size !== e.tests.length) return `${e.id} lists a test twice`;
  }
  const problem = checkTests(report.tests, "the list of tests");
  if (problem) return problem;

  const sum = report.exercises.reduce((total, e) => total + e.score, 0);
  const max = report.exercises.reduce((total, e) => total + e.max_score, 0);
  if (Math.abs(report.max_score - max) > EPSILON)
    return `the total is out of ${report.max_score}, but its exercises add up to ${max}`;
  if (Math.abs(report.score - sum) > EPSILON)
    return `the total score is ${report.score}, but its exercises add up to ${sum}`;
  if (!withinPoints(report.score, report.max_score))
    return `the total score ${report.score} is more than the ${report.max_score} possible`;

  for (const chapter of report.chapters) {
    const mine = report.exercises.filter((e) => e.chapter === chapter.id);
    if (!course.chapters.some((c) => c.id === chapter.id) || mine.length === 0)
      return `it summarises a chapter it does not grade ("${chapter.id}")`;
    const chapterSum = mine.reduce((total, e) => total + e.score, 0);
    const chapterMax = mine.reduce((total, e) => total + e.max_score, 0);
    if (Math.abs(chapter.score - chapterSum) > EPSILON || Math.abs(chapter.max_score - chapterMax) > EPSILON)
      return `chapter ${chapter.id} shows ${chapter.score}/${chapter.max_score}, but its exercises add up to ${chapterSum}/${chapterMax}`;
  }
  if (new Set(report.chapters.map((c) => c.id)).size !== report.chapters.length)
    return "it summarises a chapter twice";
  const unsummarised = report.exercises.find((e) => !report.chapters.some((c) => c.id === e.chapter));
  if (unsummarised) return `it grades ${unsummarised.id} but leaves out its chapter`;

  if (report.next) {
    const next = known.get(report.next.id);
    if (!next || !seen.has(next.id)) return `it points to an exercise it did not grade ("${report.next.id}")`;
    if (report.next.command !== `npm run hint -- ${shortName(next)}`)
      return `its next step is not the hint command for ${next.id}`;
  }
  return undefined;
}

export interface CommentInput {
  /** The artifact's report.json, as text (untrusted). */
  readonly reportText: string;
  /** The body of our previous comment on this pull request, if any. */
  readonly previousComment?: string;
  /** The trusted course manifest (from the default branch). */
  readonly course: Course;
  /** Every file the pull request changes, as listed by GitHub's API (trusted). */
  readonly changedFiles?: readonly string[];
}

/** What the pull request changes that matters for trust: workflows, and other protected files. */
export function classifyChanges(course: Course, files: readonly string[]) {
  return {
    workflows: files.filter((f) => f.startsWith(WORKFLOWS)),
    protected: files.filter((f) => !f.startsWith(WORKFLOWS) && isProtected(course, f)),
  };
}

export function renderComment(input: CommentInput): string {
  const changed = input.changedFiles ? classifyChanges(input.course, input.changedFiles) : undefined;
  // Said even when there is no score to show: the teacher should know what ran.
  const workflowNote = changed && changed.workflows.length > 0 ? changedWorkflowsNote(changed.workflows) : [];
  const refuse = (heading: string, text: string) =>
    [COMMENT_MARKER, `## Grade: ${heading}`, "", ...workflowNote, text, ""].join("\n");

  if (input.reportText.trim() === "") {
    return refuse(
      "not available",
      "The grading job left no report (it may have failed before grading). Your teacher's re-grade decides.",
    );
  }
  const parsed = parseUntrustedReport(input.reportText);
  const problem = parsed.ok ? checkReport(parsed.report, input.course) : parsed.problem;
  if (!parsed.ok || problem !== undefined) {
    return refuse(
      "report rejected",
      `The grading job's report was rejected: ${escapeInline(problem ?? "", 300)}. No score is shown from it; your teacher's re-grade decides.`,
    );
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
    ...(changed ? { changed } : {}),
    maxLength: MAX_COMMENT_LENGTH - COMMENT_MARKER.length - data.length - 10,
  });
  return `${COMMENT_MARKER}\n${body}\n${data}\n`;
}
