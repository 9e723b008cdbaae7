import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { annotationCommand, escapeData, escapeProperty, stopCommands } from "../src/report/github.ts";
import { CONTROL, hostile } from "./hostile-text.ts";

describe("workflow commands", () => {
  it("keep any learner text on one line, so it cannot start a command of its own", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.nat(), (title, message, line) => {
        const command = annotationCommand({ file: "exercises/01-concepts/x.ts", line, title, message });
        expect(command.split("\n")).toHaveLength(1);
        expect(command.split("\r")).toHaveLength(1);
        expect(command.startsWith("::error file=exercises/01-concepts/x.ts,line=")).toBe(true);
      }),
    );
  });

  it("carry no control character of the learner's into the job's log", () => {
    fc.assert(
      fc.property(hostile, hostile, hostile, (file, title, message) => {
        const command = annotationCommand({ file, line: 1, title, message });
        expect(command).not.toMatch(CONTROL);
        expect(command).not.toContain("\u001b");
      }),
      { seed: 1, numRuns: 300 },
    );
  });

  it("escape percent signs first, so escapes cannot be forged", () => {
    expect(escapeData("%0A\n")).toBe("%250A%0A");
    expect(escapeProperty("a:b,c")).toBe("a%3Ab%2Cc");
  });

  it("fence output with a fresh unguessable token", () => {
    const lines: string[] = [];
    const first = stopCommands((t) => lines.push(t));
    first.resume();
    stopCommands((t) => lines.push(t));
    const [stop1, resume1, stop2] = lines;
    const token = stop1!.slice("::stop-commands::".length).trim();
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    expect(resume1).toBe(`::${token}::\n`);
    expect(stop2).not.toContain(token);
  });
});
