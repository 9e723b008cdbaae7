/**
 * The pull-request comment: rendered from a report that the privileged workflow must treat as untrusted.
 * The sample's rendering is committed (fixtures/comment/sample-comment.md) so a reviewer can see it as
 * GitHub shows it; regenerate with UPDATE_FIXTURES=1 after an intended change.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadCourse } from "../src/manifest.ts";
import {
  COMMENT_MARKER,
  MAX_COMMENT_LENGTH,
  parseUntrustedReport,
  previousScores,
  renderComment,
} from "../src/report/comment.ts";
import type { Report } from "../src/report/types.ts";

const course = loadCourse();
const fixtures = path.join(import.meta.dirname, "fixtures", "comment");
const sampleText = readFileSync(path.join(fixtures, "sample-report.json"), "utf8");
const sample = JSON.parse(sampleText) as Report;

/** Markdown outside code fences: where learner text could turn into markup. */
function outsideFences(markdown: string): string {
  return markdown.replace(/^(`{3,})text\n[\s\S]*?\n\1$/gm, "");
}

function withOutputs(report: Report, output: (index: number) => string): Report {
  let i = 0;
  const exercises = report.exercises.map((e) => ({
    ...e,
    tests: e.tests.map((t) => (t.status === "failed" ? { ...t, output: output(i++) } : t)),
  }));
  return { ...report, exercises, tests: exercises.flatMap((e) => e.tests) };
}

describe("the pull-request comment", () => {
  it("renders the sample report as the committed fixture", () => {
    const comment = renderComment({ reportText: sampleText, course });
    const file = path.join(fixtures, "sample-comment.md");
    if (process.env.UPDATE_FIXTURES || !existsSync(file)) writeFileSync(file, comment);
    expect(comment, "the comment changed: check it, then UPDATE_FIXTURES=1 npm run test:grader").toBe(
      readFileSync(file, "utf8"),
    );
  });

  it("starts with its marker, keeps tables well-formed and details balanced", () => {
    const comment = renderComment({ reportText: sampleText, course });
    expect(comment.startsWith(COMMENT_MARKER)).toBe(true);
    for (const table of comment.split("\n\n").filter((block) => block.startsWith("| "))) {
      const widths = table.split("\n").map((row) => row.split("|").length);
      expect(new Set(widths).size, table).toBe(1);
    }
    expect(comment.match(/<details>/g)?.length).toBe(comment.match(/<\/details>/g)?.length);
  });

  it("caps a 10 MB report instead of posting it whole", () => {
    // Each output appears twice: in its exercise and in the flat Gradescope list.
    const failing = sample.exercises.flatMap((e) => e.tests).filter((t) => t.status === "failed").length;
    const huge = withOutputs(sample, (i) => `${i}: ${"x".repeat(Math.ceil(5_300_000 / failing))}`);
    const text = JSON.stringify(huge);
    expect(text.length).toBeGreaterThan(10_000_000);
    const comment = renderComment({ reportText: text, course });
    expect(comment.length).toBeLessThanOrEqual(MAX_COMMENT_LENGTH);
    expect(comment).toContain(`## Grade: ${sample.score}/${sample.max_score}`);
    expect(comment.match(/<details>/g)?.length ?? 0).toBe(comment.match(/<\/details>/g)?.length ?? 0);
  });

  it("refuses a report that is too big, not JSON, or not a report, and says so", () => {
    expect(parseUntrustedReport("x".repeat(21 * 1024 * 1024))).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/MB/),
    });
    expect(parseUntrustedReport("{not json")).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/not valid JSON/),
    });
    expect(parseUntrustedReport(JSON.stringify({ ...sample, score: "100" }))).toMatchObject({ ok: false });
    expect(
      parseUntrustedReport(
        JSON.stringify({ ...sample, next: { id: sample.exercises[0]!.id, command: "rm -rf /" } }),
      ),
    ).toMatchObject({ ok: false });
    const comment = renderComment({ reportText: "{not json", course });
    expect(comment).toMatch(/not available/);
  });

  it("never lets learner text become markup, mentions or links", () => {
    const hostile = fc.oneof(
      fc.string(),
      fc.constantFrom(
        "</details><img src=x onerror=alert(1)>",
        "@everyone",
        "[click](https://evil.example)",
        "```\n# Title",
        "| a | b |",
        "<!-- concurrency-course:grade -->",
      ),
    );
    fc.assert(
      fc.property(hostile, hostile, (message, output) => {
        const report = withOutputs(
          { ...sample, exercises: sample.exercises.map((e) => ({ ...e, message, title: message })) },
          () => output,
        );
        const comment = renderComment({ reportText: JSON.stringify(report), course });
        const markup = outsideFences(comment);
        expect(markup.match(/<details>/g)?.length ?? 0).toBe(markup.match(/<\/details>/g)?.length ?? 0);
        expect(
          markup.replace(/<\/?(details|summary|b|sub)>|<!-- [a-z:-]+ -->|<!-- grade-data:\{.*\}-->/g, ""),
        ).not.toMatch(/</);
        expect(markup).not.toMatch(/@everyone|\]\(https:\/\/evil/);
        expect(comment.startsWith(COMMENT_MARKER)).toBe(true);
        expect(markup.split(COMMENT_MARKER).length).toBe(2);
      }),
      { numRuns: 50 },
    );
  });

  it("shows what changed since the last push, read back from the previous comment", () => {
    const first = renderComment({ reportText: sampleText, course });
    const before = previousScores(first)!;
    expect(before.get(sample.exercises[0]!.id)).toBe(sample.exercises[0]!.score);
    const improved = sample.exercises.map((e) => ({ ...e, score: e.max_score, status: "passed" as const }));
    const after = { ...sample, exercises: improved, score: improved.reduce((s, e) => s + e.score, 0) };
    const second = renderComment({ reportText: JSON.stringify(after), previousComment: first, course });
    expect(second).toContain(`(+${after.score - sample.score} since the last push)`);
    expect(second).toMatch(/now passes/);
  });

  it("ignores a previous comment that is not ours", () => {
    expect(previousScores('<!-- grade-data:{"01-concepts/x":5}-->')).toBeUndefined();
  });

  it("lists protected files the pull request changed, as GitHub reports them", () => {
    const comment = renderComment({
      reportText: sampleText,
      course,
      changedProtected: [".github/workflows/grade.yml"],
    });
    expect(comment).toMatch(/WARNING[\s\S]*\.github\/workflows\/grade\.yml/);
  });
});
