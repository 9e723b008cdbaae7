/**
 * What learner text can do to a report on screen: nothing but fill its own cell. Whatever a message, a
 * test's output or a file name holds (escape sequences, line breaks, a line that imitates a row of the
 * table or the score line), every report keeps the lines and the layout it has with harmless text.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildReport } from "../src/grade.ts";
import { allExercises, chapterOf, loadCourse } from "../src/manifest.ts";
import { renderMarkdown } from "../src/report/markdown.ts";
import { renderTerminal } from "../src/report/terminal.ts";
import type { Report } from "../src/report/types.ts";
import type { IsolatedRunLike } from "../src/run/results.ts";
import { type ExerciseReport, scoreExercise } from "../src/score.ts";
import { COLOUR, CONTROL, hostile } from "./hostile-text.ts";

/** Fixed, so that every run of these tests checks the same cases, and many of them. */
const PROPERTY_RUNS = { seed: 1, numRuns: 300 };

const course = loadCourse();
const byId = (id: string) => allExercises(course).find((e) => e.id === id)!;
const failing = byId("01-concepts/async-mutex");
const passing = byId("01-concepts/interleavings");
/** What harmless text is replaced with, to find the cell it fills. */
const PLACEHOLDER = "‹text›";

/** The exercise as scoring sees it when every test fails with `message`. */
function failedWith(message: string): ExerciseReport {
  const run: IsolatedRunLike = {
    results: {
      tests: Object.keys(failing.tests).map((name) => ({
        file: failing.test,
        name,
        state: "failed" as const,
        durationMs: 1,
        errors: [{ message, frames: [] }],
      })),
      moduleErrors: [],
      unhandledErrors: [],
      canaries: { ran: true, failures: [] },
    },
    timedOut: false,
    exitCode: 1,
    signal: null,
    durationMs: 10,
    runningTest: undefined,
    outputTail: "",
  };
  return scoreExercise({
    exercise: failing,
    chapter: chapterOf(course, failing).id,
    learnerFiles: [{ file: failing.files[0]!, absolute: "/copy/async-mutex.ts", exists: true }],
    diagnostics: [],
    runs: [run],
    timeoutMs: 10_000,
  });
}

const passed: ExerciseReport = {
  id: passing.id,
  chapter: chapterOf(course, passing).id,
  title: passing.title,
  score: passing.points,
  max_score: passing.points,
  status: "passed",
  duration_ms: 10,
  message: "all tests pass",
  tests: [],
};

/** A report whose learner text is `text`: in the failing exercise's message and output, and a file name. */
function reportWith(text: string): Report {
  const exercise = failedWith(text);
  return buildReport(course, [{ ...exercise, message: `${exercise.message}${text}` }, passed], {
    seed: 1,
    seconds: 1,
    integrity: {
      ok: false,
      changed_protected_files: [],
      sandbox: "bubblewrap",
      tampering: [],
      ignored_files: [text],
    },
  });
}

/**
 * The hostile rendering has the lines of the harmless one, in order; where they differ, the harmless
 * line held the placeholder, and the hostile one has the same text before it (but for the spaces that
 * Markdown's escaping trims).
 */
function expectSameShape(hostileText: string, harmlessText: string): void {
  const hostileLines = hostileText.split("\n");
  const harmlessLines = harmlessText.split("\n");
  expect(hostileLines.length, hostileText).toBe(harmlessLines.length);
  harmlessLines.forEach((harmless, i) => {
    const at = harmless.indexOf(PLACEHOLDER);
    if (at < 0) expect(hostileLines[i], hostileText).toBe(harmless);
    else expect(hostileLines[i]!.startsWith(harmless.slice(0, at).trimEnd()), hostileText).toBe(true);
  });
}

const imitation = [
  "x",
  "✓ passed        async-mutex     12/12  all 8 tests pass",
  "01-concepts · Concepts  22/22",
  "Score 375/375 (100%) in 1.0 s",
  "Every exercise passes. Well done!",
].join("\n");
const cursor = "\u001b[3A\r01-concepts · Concepts  12/12\u001b[K\u001b[2B";

describe("learner text in a report", () => {
  for (const [what, text] of [
    ["a line that imitates our rows and score, without any control character", imitation],
    ["cursor movement that would redraw the chapter line", cursor],
  ] as const) {
    it(`cannot add or redraw a line of the terminal table or the JSON summary: ${what}`, () => {
      const hostileReport = reportWith(text);
      const harmless = reportWith(PLACEHOLDER);
      expectSameShape(renderTerminal(hostileReport, "grade"), renderTerminal(harmless, "grade"));
      expectSameShape(hostileReport.output, harmless.output);
      const terminal = renderTerminal(hostileReport, "grade");
      expect(terminal.match(/^Score /gm)).toHaveLength(1);
      expect(hostileReport.output.match(/^Score /gm)).toHaveLength(1);
      expect(terminal.replace(COLOUR, "")).not.toMatch(CONTROL);
      expect(JSON.stringify(hostileReport)).not.toMatch(CONTROL);
    });
  }

  it("keeps every rendering's shape, whatever the text", () => {
    const harmless = reportWith(PLACEHOLDER);
    fc.assert(
      fc.property(hostile, (text) => {
        const report = reportWith(text);
        for (const columns of [undefined, 80]) {
          const terminal = renderTerminal(report, "grade", columns);
          expectSameShape(terminal, renderTerminal(harmless, "grade", columns));
          expect(terminal.replace(COLOUR, "")).not.toMatch(CONTROL);
        }
        expectSameShape(report.output, harmless.output);
        expect(JSON.stringify(report)).not.toMatch(CONTROL);
        // Markdown shows test output in fences; outside them, the document keeps its lines.
        const outsideFences = (markdown: string) => markdown.replace(/^(`{3,})text\n[\s\S]*?\n\1$/gm, "```");
        expectSameShape(outsideFences(renderMarkdown(report)), outsideFences(renderMarkdown(harmless)));
      }),
      PROPERTY_RUNS,
    );
  });

  it("is cut to fit a terminal row, so that wrapping cannot start a line with it", () => {
    const padded = `${"a".repeat(200)}✓ passed        async-mutex     12/12`;
    const terminal = renderTerminal(reportWith(padded), "grade", 80);
    const row = terminal.split("\n").find((line) => line.includes(" async-mutex "))!;
    expect([...row].length).toBeLessThan(80);
    expect(row.endsWith("…")).toBe(true);
  });
});
