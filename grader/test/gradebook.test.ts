/** The gradebook's parts: rows for a spreadsheet, near-identical pairs, shards and their merge, the roster. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseRoster, RosterError } from "../src/gradebook/collect.ts";
import {
  buildGradebook,
  type GradebookEntry,
  GradebookMergeError,
  gradebookCsv,
  inShard,
  mergeGradebooks,
  parseShard,
} from "../src/gradebook/gradebook.ts";
import { normalizedTokens, resemblance, signature, similarPairs } from "../src/gradebook/similarity.ts";
import type { Report } from "../src/report/types.ts";
import { untrustedLine } from "../src/report/untrusted-text.ts";
import { CONTROL, hostile } from "./hostile-text.ts";

const exercises = ["01-concepts/a", "01-concepts/b"];

function report(scores: Record<string, number>, integrity: Partial<Report["integrity"]> = {}): Report {
  return {
    score: Object.values(scores).reduce((a, b) => a + b, 0),
    max_score: 20,
    execution_time: 1,
    output: "",
    tests: [],
    exercises: Object.entries(scores).map(([id, score]) => ({
      id,
      chapter: "01-concepts",
      title: id,
      score,
      max_score: 10,
      status: score === 10 ? "passed" : "partial",
      duration_ms: 5,
      message: "",
      tests: [],
    })),
    chapters: [],
    integrity: {
      ok: true,
      changed_protected_files: [],
      sandbox: "bubblewrap",
      tampering: [],
      ignored_files: [],
      ...integrity,
    },
    seed: 1,
    grader_version: "test",
    next: null,
  };
}

const entry = (
  learner: string,
  scores: Record<string, number>,
  more: Partial<GradebookEntry> = {},
): GradebookEntry => ({
  learner,
  status: "graded",
  report: report(scores),
  ...more,
});

const book = (entries: GradebookEntry[]) =>
  buildGradebook({ seed: 1, graderVersion: "test", exercises, entries });

describe("gradebookCsv", () => {
  it("has a header row and one row per learner, sorted, with numbers as plain numbers", () => {
    const csv = gradebookCsv(
      book([
        entry("zoe", { "01-concepts/a": 10, "01-concepts/b": 4 }),
        entry("al", { "01-concepts/a": 0, "01-concepts/b": 10 }),
      ]),
    );
    expect(csv).toBe(
      "learner,01-concepts/a,01-concepts/b,total,status\nal,0,10,10,graded\nzoe,10,4,14,graded\n",
    );
  });

  it("marks the rows that need a look, and leaves the scores of a learner who could not be graded empty", () => {
    const tampered = entry("mallory", { "01-concepts/a": 0, "01-concepts/b": 10 });
    const rows = gradebookCsv(
      book([
        {
          ...tampered,
          report: report(
            { "01-concepts/a": 0, "01-concepts/b": 10 },
            { ok: false, tampering: [{ exercise: "01-concepts/a", reason: "x" }] },
          ),
        },
        { learner: "broken", status: "error", error: "no exercises folder" },
      ]),
    ).split("\n");
    expect(rows).toContain("broken,,,,error: no exercises folder");
    expect(rows).toContain("mallory,0,10,10,graded (review: tampered (01-concepts/a))");
  });

  it("defuses learner ids a spreadsheet would run as formulas, and quotes separators", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 12 }), (name) => {
        const [, row] = gradebookCsv(book([entry(name, { "01-concepts/a": 1, "01-concepts/b": 2 })])).split(
          "\n",
        );
        const cell = row!.startsWith('"') ? row!.slice(1, row!.indexOf('",')) : row!.split(",")[0]!;
        expect(/^[=+\-@\t\r]/.test(cell), `the cell ${JSON.stringify(cell)} would run as a formula`).toBe(
          false,
        );
      }),
    );
  });

  it("keeps a hostile learner id or error in its own cell of its own row, visibly and without formulas", () => {
    const formula = fc.constantFrom("=1+1", "+1", "-1", "@SUM(A1)", " =HYPERLINK()", "\t=1", "\r=1", '"=1"');
    const id = fc
      .tuple(fc.oneof(formula, fc.constant("")), hostile)
      .map(([start, rest]) => `${start}${rest}`);
    fc.assert(
      fc.property(id, id, (learner, error) => {
        const csv = gradebookCsv(
          book([entry(learner, { "01-concepts/a": 1 }), { learner, status: "error", error }]),
        );
        const rows = parseCsv(csv);
        expect(rows, csv).toHaveLength(3);
        for (const row of rows.slice(1)) {
          expect(row, csv).toHaveLength(exercises.length + 3);
          expect(row[0]).toBe(expectedCell(learner));
          for (const cell of row) expect(cell, csv).not.toMatch(/^\s*[=+\-@]/);
          expect(row.join(""), csv).not.toMatch(CONTROL);
        }
        expect(rows[2]![exercises.length + 2]).toBe(`error: ${untrustedLine(error, { colour: false })}`);
      }),
      { seed: 1, numRuns: 500 },
    );
    expect(
      parseCsv(gradebookCsv(book([entry("ann\n=cmd|' /C calc'!A0", { "01-concepts/a": 1 })])))[1]![0],
    ).toBe("ann␊=cmd|' /C calc'!A0");
    expect(parseCsv(gradebookCsv(book([entry('=HYPERLINK("x";"y")', { "01-concepts/a": 1 })])))[1]![0]).toBe(
      `'=HYPERLINK("x";"y")`,
    );
  });
});

/** What a spreadsheet shows in a learner's cell: the clean id, an apostrophe before a formula. */
function expectedCell(learner: string): string {
  const line = untrustedLine(learner, { colour: false });
  return /^\s*[=+\-@]/.test(line) ? `'${line}` : line;
}

/** A CSV as RFC 4180 reads it: quoted cells may hold separators, quotes doubled. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ",") {
      row.push(cell);
      cell = "";
    } else if (char === "\n") {
      rows.push([...row, cell]);
      row = [];
      cell = "";
    } else cell += char;
  }
  return rows;
}

describe("similarity", () => {
  const original = `export function total(values: readonly number[]): number {
  let sum = 0; // running total
  for (const value of values) { if (value > 0) sum += value * 2; else sum -= 1; }
  return sum + values.length;
}`;
  const renamed = `export function   addUp(xs: readonly number[]): number {
    let acc = 0;
    for (const x of xs) { if (x > 0) acc += x * 2; else acc -= 1; }   /* same thing */
    return acc + xs.length;
}`;
  const different = `export function total(values: readonly number[]): number {
  return values.filter((v) => v > 0).map((v) => v * 2).reduce((a, b) => a + b, -values.length);
}`;

  it("sees through renaming, reformatting and comments", () => {
    expect(normalizedTokens(renamed)).toEqual(normalizedTokens(original));
    expect(resemblance(signature(original), signature(renamed))).toBe(1);
  });

  it("tells a different solution of the same task apart", () => {
    expect(resemblance(signature(original), signature(different))).toBeLessThan(0.5);
  });

  it("flags near-identical pairs per exercise, never a learner with themselves, and never an untouched stub", () => {
    const prints = new Map<string, Record<string, number[]>>([
      ["ann", { "01-concepts/a": signature(original) }],
      ["bob", { "01-concepts/a": signature(renamed) }],
      ["cat", { "01-concepts/a": signature(different) }],
      ["dan", {}],
    ]);
    expect(similarPairs(prints)).toEqual([
      { exercise: "01-concepts/a", learners: ["ann", "bob"], similarity: 1 },
    ]);
  });
});

describe("shards and their merge", () => {
  it("puts every learner in exactly one shard", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^[a-z]{1,6}$/)),
        fc.integer({ min: 1, max: 7 }),
        (learners, count) => {
          const shards = Array.from({ length: count }, (_, i) => inShard(learners, { index: i + 1, count }));
          expect(shards.flat().sort()).toEqual([...learners].sort());
        },
      ),
    );
  });

  it("merges shard gradebooks into the gradebook of one run over everybody", () => {
    const a = entry(
      "ann",
      { "01-concepts/a": 10, "01-concepts/b": 10 },
      { fingerprints: { "01-concepts/a": signature(original()) } },
    );
    const b = entry(
      "bob",
      { "01-concepts/a": 3, "01-concepts/b": 10 },
      { fingerprints: { "01-concepts/a": signature(original()) } },
    );
    const c = entry("cat", { "01-concepts/a": 0, "01-concepts/b": 0 });
    const whole = book([a, b, c]);
    expect(mergeGradebooks([book([c, a]), book([b])])).toEqual(whole);
    expect(whole.similar).toHaveLength(1);
  });

  it("refuses shards graded differently, or with a learner twice", () => {
    const a = book([entry("ann", { "01-concepts/a": 1, "01-concepts/b": 1 })]);
    expect(() => mergeGradebooks([a, a])).toThrow(/"ann" is in more than one shard/);
    expect(() => mergeGradebooks([a, { ...a, seed: 2, learners: [] }])).toThrow(GradebookMergeError);
    expect(() => parseShard("3/2")).toThrow(/1 ≤ I ≤ N/);
    expect(parseShard("2/4")).toEqual({ index: 2, count: 4 });
  });
});

function original(): string {
  return "export function f(a: number[]): number { let s = 0; for (const x of a) { s += x * x; } return s + a.length * 3; }";
}

describe("parseRoster", () => {
  it("reads learner and repository columns in any order, skipping blank lines and comments", () => {
    expect(parseRoster("repository,learner,email\n/tmp/a,ann,x@y\n\n# late\nhttps://h/b.git,bob,\n")).toEqual(
      [
        { learner: "ann", repository: "/tmp/a" },
        { learner: "bob", repository: "https://h/b.git" },
      ],
    );
  });

  it("names the line of an id that cannot be a folder, a duplicate, or a missing repository", () => {
    expect(() => parseRoster("learner,repository\n../x,/r")).toThrow(
      /line 2: "\.\.\/x" is not a usable learner id/,
    );
    expect(() => parseRoster("learner,repository\nann,/a\nann,/b")).toThrow(
      /line 3: learner "ann" appears twice/,
    );
    expect(() => parseRoster("learner,repository\nann,")).toThrow(/line 2: no repository/);
    expect(() => parseRoster("name,url\nann,/a")).toThrow(RosterError);
  });
});
