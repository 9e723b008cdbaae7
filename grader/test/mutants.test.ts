import { describe, expect, it } from "vitest";
import { applyDiff, MutantError } from "../src/mutants.ts";

const source = ["function f() {", "  return 1;", "}", "", "function g() {", "  return 1;", "}", ""].join(
  "\n",
);
const diff = (body: string) => `why it is wrong\n\n--- a\n+++ b\n${body}`;

describe("applyDiff", () => {
  it("applies a hunk wherever its context is, whatever its line numbers say", () => {
    const out = applyDiff(
      source,
      diff("@@ -99,3 +99,3 @@\n function g() {\n-  return 1;\n+  return 2;\n }\n"),
      "m.diff",
    );
    expect(out).toBe(source.replace("g() {\n  return 1;", "g() {\n  return 2;"));
  });

  it("refuses a hunk that matches nowhere or in more than one place, naming the mutant", () => {
    expect(() => applyDiff(source, diff("@@ -1 +1 @@\n-  return 3;\n+  return 2;\n"), "x.diff")).toThrow(
      new MutantError(
        "x.diff: hunk 1 no longer matches the solution; update the mutant (regenerate it with diff -u)",
      ),
    );
    expect(() => applyDiff(source, diff("@@ -1 +1 @@\n-  return 1;\n+  return 2;\n"), "x.diff")).toThrow(
      /more than one place/,
    );
  });

  it("refuses a diff without hunks", () => {
    expect(() => applyDiff(source, "just words\n", "empty.diff")).toThrow(/no hunks/);
  });
});
