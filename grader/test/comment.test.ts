/**
 * The pull-request comment: rendered from a report that the privileged workflow must treat as untrusted.
 * The sample's rendering is committed (fixtures/comment/sample-comment.md) so a reviewer can see it as
 * GitHub shows it; regenerate with UPDATE_FIXTURES=1 after an intended change.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
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
import { cli } from "./support.ts";

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
    expect(renderComment({ reportText: "{not json", course })).toMatch(
      /^## Grade: report rejected\n\nThe grading job's report was rejected: the report is not valid JSON\./m,
    );
    expect(renderComment({ reportText: "", course })).toMatch(/^## Grade: not available$/m);
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
    const chapters = sample.chapters.map((c) => ({ ...c, score: c.max_score }));
    const after = {
      ...sample,
      exercises: improved,
      chapters,
      score: improved.reduce((s, e) => s + e.score, 0),
    };
    const second = renderComment({ reportText: JSON.stringify(after), previousComment: first, course });
    expect(second).toContain(`(+${after.score - sample.score} since the last push)`);
    expect(second).toMatch(/now passes/);
  });

  it("ignores a previous comment that is not ours", () => {
    expect(previousScores('<!-- grade-data:{"01-concepts/x":5}-->')).toBeUndefined();
  });

  it("says which protected files the base-tree grading ignored, as GitHub lists them", () => {
    const comment = renderComment({
      reportText: sampleText,
      course,
      changedFiles: [sample.exercises[0]!.id.replace(/^/, "exercises/").concat(".ts"), "grader/src/x.ts"],
    });
    expect(comment).toMatch(/WARNING[\s\S]*ignored the edits: grader\/src\/x\.ts\./);
    expect(comment).not.toMatch(/CAUTION|changed workflow/);
  });

  it("says plainly that a pull request changing a workflow graded itself, and never that it was ignored", () => {
    const comment = renderComment({
      reportText: sampleText,
      course,
      changedFiles: [".github/workflows/grade.yml", "grader/src/x.ts", "exercises/01-concepts/actor.ts"],
    });
    expect(comment).toMatch(/CAUTION[\s\S]*made by the pull request's changed workflow/);
    expect(comment).toMatch(/not evidence/);
    expect(comment).toMatch(/grade\.yml/);
    expect(comment).not.toMatch(/ignored/);
    // Also when the report itself is refused.
    const refused = renderComment({
      reportText: "{not json",
      course,
      changedFiles: [".github/workflows/new.yml"],
    });
    expect(refused).toMatch(/made by the pull request's changed workflow/);
  });

  it("shows the sandbox, tampering and ignored files, escaped", () => {
    const report: Report = {
      ...sample,
      integrity: {
        ok: false,
        changed_protected_files: [],
        sandbox: "bubblewrap",
        tampering: [{ exercise: sample.exercises[0]!.id, reason: "replaced <b>expect</b> @everyone" }],
        ignored_files: ["01-concepts/node_modules/", "01-concepts/[x](y).json"],
      },
    };
    const comment = renderComment({ reportText: JSON.stringify(report), course });
    const section = comment.slice(comment.indexOf("### Integrity"));
    expect(section).toMatch(/^- Sandbox: bubblewrap$/m);
    expect(section).toMatch(/^- Tampering caught.*replaced &#60;b&#62;expect/m);
    expect(section).toMatch(/^- Ignored .*node&#95;modules\//m);
    expect(section).not.toMatch(/@everyone|\[x\]\(y\)|<b>/);
    const plain = renderComment({ reportText: sampleText, course });
    expect(plain).toMatch(/^- Sandbox: bubblewrap$/m);
    expect(plain).not.toMatch(/Tampering|Ignored/);
  });

  describe("rejects a report that the trusted manifest contradicts, with no score shown", () => {
    const rejected = (report: unknown) => {
      const comment = renderComment({ reportText: JSON.stringify(report), course });
      expect(comment.startsWith(`${COMMENT_MARKER}\n## Grade: report rejected\n`)).toBe(true);
      expect(comment).not.toMatch(/^## Grade: \d|^\|/m);
      expect(comment).not.toContain("grade-data");
      return comment.split("\n").find((line) => line.startsWith("The grading job's report was rejected"))!;
    };
    const first = sample.exercises[0]!;
    const withFirst = (change: Partial<(typeof sample.exercises)[number]>) => ({
      ...sample,
      exercises: [{ ...first, ...change }, ...sample.exercises.slice(1)],
    });

    it("a score of 999, above the course's maximum", () => {
      expect(rejected({ ...sample, score: 999 })).toMatch(/total score is 999/);
      const inflated = withFirst({ score: 999 });
      expect(rejected({ ...inflated, score: sample.score - first.score + 999 })).toMatch(
        /scores 999 of at most/,
      );
      expect(rejected({ ...sample, score: 999, max_score: sample.max_score })).toMatch(/999/);
    });

    it("an exercise id the course does not have", () => {
      expect(rejected(withFirst({ id: "01-concepts/free-points" }))).toMatch(
        /exercise the course does not have .*free-points/,
      );
    });

    it("a forged status word", () => {
      expect(rejected(withFirst({ status: "excellent" as never }))).toMatch(/status/);
      const tests = first.tests.map((t) => ({ ...t, status: "skipped" as never }));
      expect(rejected(withFirst({ tests }))).toMatch(/status/);
    });

    it("points that are not the manifest's, unknown tests, totals that do not add up", () => {
      expect(rejected(withFirst({ max_score: first.max_score + 1 }))).toMatch(/course gives it/);
      const renamed = first.tests.map((t, i) => (i === 0 ? { ...t, name: `${t.name} (easy)` } : t));
      expect(rejected(withFirst({ tests: renamed }))).toMatch(/test the course does not have/);
      expect(rejected({ ...sample, max_score: 7 })).toMatch(/out of 7/);
      expect(rejected({ ...sample, exercises: [...sample.exercises, first] })).toMatch(/twice/);
      const chapters = sample.chapters.map((c) => ({ ...c, score: c.max_score }));
      expect(rejected({ ...sample, chapters })).toMatch(/add up/);
      expect(rejected({ ...sample, chapters: [] })).toMatch(/leaves out its chapter/);
    });

    it("says why in one escaped line", () => {
      const line = rejected(withFirst({ id: "01-concepts/x-x", status: "passed" }));
      const hostile = rejected(
        withFirst({
          tests: first.tests.map((t, i) => (i === 0 ? { ...t, name: "@someone ![img](x) <b>" } : t)),
        }),
      );
      expect(line).toMatch(/x-x/);
      expect(hostile).not.toMatch(/@someone|!\[|<b>/);
    });
  });

  it("renders a hostile file name as inert text", () => {
    const name = "\r# Grade: 70/70 @someone\r![img](x)";
    const comment = renderComment({
      reportText: JSON.stringify({
        ...sample,
        integrity: { ...sample.integrity, ok: false, changed_protected_files: [`grader/${name}`] },
      }),
      course,
      changedFiles: [`.github/workflows/${name}`, `grader/${name}`],
    });
    expect(comment).not.toMatch(/\r/);
    expect(comment).not.toMatch(/^\s*#\s*Grade: 70/m);
    expect(comment).not.toMatch(/@someone|!\[img\]|\]\(x\)/);
    // Each carriage return shows as a line break mark, on the same line.
    expect(comment).toMatch(/␊&#35; Grade&#58; 70\/70 &#64;&#8203;someone␊&#33;&#91;img&#93;&#40;x&#41;/);
    expect(comment.split("\n").filter((line) => line.startsWith("## "))).toEqual([
      `## Grade: ${sample.score}/${sample.max_score} (${Math.round((100 * sample.score) / sample.max_score)}%)`,
    ]);
  });

  it("never lets learner text or file names start a heading, mention, link or image, or carry a control character", () => {
    const specials = fc.constantFrom(
      "\r",
      "\n",
      "\r\n",
      "\u0085",
      "\u2028",
      "\u2029",
      "\u202e",
      "\u2066",
      "\u200f",
      "\u001b[31m",
      "\u0000",
      "\u007f",
      "\u009b",
      "\t",
      "#",
      "## Grade: 70/70",
      "@someone",
      "![img](x)",
      "[link](https://evil.example)",
      "https://evil.example",
      "www.evil.example",
      "<img src=x>",
      "`",
      "|",
    );
    const hostile = fc
      .array(fc.oneof(specials, fc.string({ maxLength: 8 }), fc.string({ unit: "binary", maxLength: 4 })), {
        maxLength: 8,
      })
      .map((parts) => parts.join(""));
    const RAW_CONTROL =
      // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
      /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
    fc.assert(
      fc.property(hostile, hostile, hostile, (text, file, output) => {
        const report: Report = withOutputs(
          {
            ...sample,
            exercises: sample.exercises.map((e) => ({ ...e, message: text, title: text })),
            chapters: sample.chapters.map((c) => ({ ...c, title: text })),
            grader_version: text,
            integrity: {
              ok: false,
              changed_protected_files: [`grader/${file}`],
              sandbox: "bubblewrap",
              tampering: [{ exercise: text, reason: text }],
              ignored_files: [file],
            },
          },
          () => output,
        );
        const comment = renderComment({
          reportText: JSON.stringify(report),
          course,
          changedFiles: [`.github/workflows/${file}`, `grader/${file}`, file],
        });
        expect(comment).not.toMatch(RAW_CONTROL);
        const markup = outsideFences(comment);
        for (const line of markup.split("\n").filter((l) => /^\s{0,3}#/.test(l))) {
          expect(line).toMatch(
            /^(## Grade: \d+\/\d+ |### 01-concepts · |### What to fix next$|### Integrity$)/,
          );
        }
        expect(markup).not.toMatch(/@[A-Za-z0-9]|!\[|\]\(|https?:\/\/|www\./i);
        expect(
          markup.replace(/<\/?(details|summary|b|sub)>|<!-- [a-z:-]+ -->|<!-- grade-data:\{.*\}-->/g, ""),
        ).not.toMatch(/</);
        expect(markup.match(/<details>/g)?.length ?? 0).toBe(markup.match(/<\/details>/g)?.length ?? 0);
      }),
      { numRuns: 100 },
    );
  });

  it("is what `ci comment` writes, from the report and GitHub's list of changed files (JSON)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "course-comment-"));
    try {
      const changed = path.join(dir, "changed.json");
      const out = path.join(dir, "comment.md");
      writeFileSync(changed, JSON.stringify([".github/workflows/grade.yml", "a\nb"]));
      const args = ["ci", "comment", "--report", path.join(fixtures, "sample-report.json"), "--out", out];
      expect(cli([...args, "--changed", changed]).status).toBe(0);
      expect(readFileSync(out, "utf8")).toMatch(/made by the pull request's changed workflow/);
      writeFileSync(changed, ".github/workflows/grade.yml\n");
      const refused = cli([...args, "--changed", changed]);
      expect(refused.status).toBe(2);
      expect(refused.stderr).toMatch(/expected a JSON array/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
