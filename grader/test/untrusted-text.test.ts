/** The one rule for learner-influenced text, and where it enters the report model. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cleanUntrusted } from "../src/report/clean-report.ts";
import { LINE_BREAK_MARK, untrustedLine, untrustedText } from "../src/report/untrusted-text.ts";
import { COLOUR, CONTROL, hostile, printable } from "./hostile-text.ts";

/** Fixed, so that every run of these tests checks the same cases, and many of them. */
const PROPERTY_RUNS = { seed: 1, numRuns: 1000 };

const ESC = "\u001b";
const LINE_BREAKS = /\r\n|[\r\n\u0085\u2028\u2029]/g;

const sgr = fc
  .array(fc.integer({ min: 0, max: 255 }), { maxLength: 5 })
  .map((params) => `${ESC}[${params.join(";")}m`);

describe("untrusted text", () => {
  it("keeps no control character but colour, line breaks and tabs", () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const clean = untrustedText(text).replace(COLOUR, "");
        expect(clean).not.toMatch(CONTROL);
        expect(clean).not.toContain(ESC);
      }),
      PROPERTY_RUNS,
    );
  });

  it("keeps a one-line text on one line, with no tab, no control character, no colour when asked", () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const line = untrustedLine(text);
        expect(line.replace(COLOUR, "")).not.toMatch(CONTROL);
        expect(line).not.toMatch(/[\n\t]/);
        expect(untrustedLine(text, { colour: false })).not.toContain(ESC);
        expect(untrustedText(text, { colour: false })).not.toContain(ESC);
      }),
      PROPERTY_RUNS,
    );
  });

  it("shows every line break of a one-line text, never dropping one", () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const marks = (s: string) => s.split(LINE_BREAK_MARK).length - 1;
        expect(marks(untrustedLine(text))).toBe(marks(text) + (text.match(LINE_BREAKS)?.length ?? 0));
        expect(untrustedText(text).split("\n").length).toBe(text.split(LINE_BREAKS).length);
      }),
      PROPERTY_RUNS,
    );
  });

  it("leaves printable text unchanged, and colour between it", () => {
    fc.assert(
      fc.property(printable, sgr, printable, (before, colour, after) => {
        expect(untrustedText(before)).toBe(before);
        expect(untrustedLine(before)).toBe(before);
        expect(untrustedText(`${before}${colour}${after}`)).toBe(`${before}${colour}${after}`);
        expect(untrustedLine(`${before}${colour}${after}`, { colour: false })).toBe(`${before}${after}`);
        expect(untrustedText(`${before}\n\t${after}`)).toBe(`${before}\n\t${after}`);
      }),
      PROPERTY_RUNS,
    );
  });

  it("gives the same text when applied twice", () => {
    fc.assert(
      fc.property(hostile, (text) => {
        expect(untrustedText(untrustedText(text))).toBe(untrustedText(text));
        expect(untrustedLine(untrustedLine(text))).toBe(untrustedLine(text));
        expect(untrustedLine(untrustedText(text))).toBe(untrustedLine(text));
      }),
      PROPERTY_RUNS,
    );
  });

  it("removes whole sequences, not just their escape character", () => {
    expect(untrustedText(`a${ESC}[3A${ESC}[2Kb`)).toBe("ab");
    expect(untrustedText(`${ESC}]8;;https://evil.example${ESC}\\click${ESC}]8;;${ESC}\\`)).toBe("click");
    expect(untrustedText(`${ESC}]0;owned\u0007title`)).toBe("title");
    expect(untrustedText(`${ESC}P+q544e${ESC}\\x`)).toBe("x");
    expect(untrustedText(`${ESC}7x${ESC}8`)).toBe("x");
    expect(untrustedText("\u009b1;1Hx")).toBe("x");
    expect(untrustedText(`${ESC}[31mred${ESC}[0m`)).toBe(`${ESC}[31mred${ESC}[0m`);
    // A carriage return would let a line overwrite ours; shown as the line break it is.
    expect(untrustedText("0/12\r12/12")).toBe("0/12\n12/12");
    expect(untrustedLine("0/12\r12/12")).toBe("0/12␊12/12");
    expect(untrustedLine("a\r\nb\u2028c")).toBe("a␊b␊c");
    // An unterminated or multi-line string hides nothing: its opener goes, its text stays.
    expect(untrustedText(`${ESC}]0;no end`)).toBe("0;no end");
    expect(untrustedText(`${ESC}]0;a\nb\u0007`)).toBe("0;a\nb");
    expect(untrustedText("abc\b\b\bxyz")).toBe("abcxyz");
    expect(untrustedText("\u202eevil\u202c")).toBe("evil");
  });
});

describe("cleaning a report", () => {
  it("keeps the lines of fields named output, puts every other string on one line, and drops colour", () => {
    const dirty = {
      output: `Score\r\n${ESC}[2J${ESC}[31mx`,
      learner: "ann\nScore 375/375",
      tests: [{ name: `t${ESC}[1A`, output: "a\u2028b", location: { file: "a\rb.ts", line: 1 } }],
      score: 3,
      next: null,
    };
    expect(cleanUntrusted(dirty)).toEqual({
      output: "Score\nx",
      learner: "ann␊Score 375/375",
      tests: [{ name: "t", output: "a\nb", location: { file: "a␊b.ts", line: 1 } }],
      score: 3,
      next: null,
    });
  });
});
