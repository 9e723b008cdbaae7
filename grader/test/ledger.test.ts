import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  formatLedger,
  ledgerProblems,
  markdownSection,
  normaliseProse,
  type ReadText,
} from "../src/ledger.ts";
import type { Clause, Exercise } from "../src/manifest.ts";

const stub = `/**
 * Exercise demo/sum — add numbers.
 *
 * Read first: chapters/demo/README.md#adding
 */

/**
 * The sum of \`xs\`, or 0 for an empty list.
 *
 * @throws RangeError when an element is NaN; its message names the
 *   index of the first one.
 */
export function sum(xs: readonly number[]): number {
  throw new Error("TODO");
}
`;

const notes = `# Demo

## Adding

Adding is done left to right,
one element at a time.

### Details

Overflow goes to Infinity.

## Multiplying

Products are for later.
`;

const files: Record<string, string> = {
  "exercises/demo/sum.ts": stub,
  "chapters/demo/README.md": notes,
};
const read: ReadText = (file) => files[file];

const tests = {
  "sum > adds": 1,
  "sum > is 0 for no numbers": 1,
  "sum > refuses NaN, naming its index": 1,
};

function exercise(clauses: readonly Clause[] | undefined): Exercise {
  return {
    id: "demo/sum",
    title: "Add numbers",
    difficulty: "easy",
    files: ["exercises/demo/sum.ts"],
    test: "exercises/demo/sum.test.ts",
    given: [],
    capabilities: [],
    points: 3,
    tests,
    hints: ["one", "two"],
    notes: "chapters/demo/README.md#adding",
    mutants: [],
    ...(clauses ? { clauses } : {}),
  };
}

const complete: Clause[] = [
  {
    says: "The sum of `xs`, or 0 for an empty list.",
    in: "stub",
    tests: ["sum > adds", "sum > is 0 for no numbers"],
  },
  {
    // Quoted across a line break of the doc comment, with the comment leader gone.
    says: "@throws RangeError when an element is NaN; its message names the index of the first one.",
    in: "stub",
    tests: ["sum > refuses NaN, naming its index"],
  },
  { says: "Adding is done left to right, one element at a time.", in: "notes", tests: ["sum > adds"] },
];

describe("the doc-clause ledger", () => {
  it("accepts a ledger whose quotes are in the doc and which covers every test both ways", () => {
    expect(ledgerProblems(exercise(complete), read)).toEqual([]);
  });

  it("asks for a ledger where an exercise has none", () => {
    expect(ledgerProblems(exercise(undefined), read)).toEqual([
      expect.stringMatching(/^demo\/sum: has no doc-clause ledger/),
    ]);
  });

  it("names a test that checks no clause, and says what to do", () => {
    const problems = ledgerProblems(exercise(complete.slice(0, 1).concat(complete.slice(2))), read);
    expect(problems).toEqual([
      'demo/sum: the test "sum > refuses NaN, naming its index" checks no clause; quote the promise it checks in "clauses", or drop what no doc promises',
    ]);
  });

  it("names a clause that points at a test the exercise does not have", () => {
    const clauses = [
      ...complete,
      { says: "The sum of `xs`", in: "stub" as const, tests: ["sum > adds fast"] },
    ];
    expect(ledgerProblems(exercise(clauses), read)).toEqual([
      expect.stringContaining('names the test "sum > adds fast", which is not one of the exercise\'s tests'),
    ]);
  });

  it("refuses a quote that is not word for word in the doc, naming the file", () => {
    const clauses = [
      ...complete,
      { says: "The sum of xs, or zero for an empty list.", in: "stub" as const, tests: ["sum > adds"] },
    ];
    expect(ledgerProblems(exercise(clauses), read)).toEqual([
      expect.stringMatching(
        /clause "The sum of xs, or zero.*" is not in exercises\/demo\/sum\.ts word for word/,
      ),
    ]);
  });

  it("looks for a notes quote only in the exercise's own section, its subsections included", () => {
    const inSubsection = [
      ...complete,
      { says: "Overflow goes to Infinity.", in: "notes" as const, tests: ["sum > adds"] },
    ];
    expect(ledgerProblems(exercise(inSubsection), read)).toEqual([]);
    const elsewhere = [
      ...complete,
      { says: "Products are for later.", in: "notes" as const, tests: ["sum > adds"] },
    ];
    expect(ledgerProblems(exercise(elsewhere), read)).toEqual([
      expect.stringContaining("is not in chapters/demo/README.md#adding word for word"),
    ]);
  });

  it("reports a clause listed twice", () => {
    expect(ledgerProblems(exercise([...complete, complete[0]!]), read)).toEqual([
      expect.stringContaining("is listed twice"),
    ]);
  });

  it("says so when the quoted file cannot be read", () => {
    const problems = ledgerProblems(exercise(complete), (file) =>
      file.endsWith(".md") ? undefined : files[file],
    );
    expect(problems).toEqual([
      expect.stringContaining("quotes chapters/demo/README.md#adding, which cannot be read"),
    ]);
  });

  it("prints each clause with the tests that check it", () => {
    const text = formatLedger(exercise(complete));
    expect(text.split("\n").slice(0, 4)).toEqual([
      "demo/sum — Add numbers",
      "  1. [stub] The sum of `xs`, or 0 for an empty list.",
      "       ✓ sum > adds",
      "       ✓ sum > is 0 for no numbers",
    ]);
  });

  it("normalises wrapping and comment leaders the same way for any text", () => {
    const word = fc.stringMatching(/^[a-z]{1,8}$/);
    fc.assert(
      fc.property(
        fc.array(word, { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 5 }),
        (words, width) => {
          const lines: string[] = [];
          for (let i = 0; i < words.length; i += width)
            lines.push(` * ${words.slice(i, i + width).join(" ")}`);
          expect(normaliseProse(`/**\n${lines.join("\n")}\n */`)).toBe(words.join(" "));
        },
      ),
    );
  });

  it("finds no section for an anchor no heading has, and ignores headings in code fences", () => {
    expect(markdownSection(notes, "dividing")).toBeUndefined();
    const fenced = "## A\n\n```md\n## B\n```\ntext\n\n## C\n";
    expect(markdownSection(fenced, "a")).toContain("text");
    expect(markdownSection(fenced, "b")).toBeUndefined();
  });
});
