/** The rule for failure headlines written for learners (verify checks every mutant's first failure). */
import { describe, expect, it } from "vitest";
import { identifiersIn, learnerMessageProblem, testIdentifiers } from "../src/verify/learner-message.ts";

const internals = { testIdentifiers: new Set(["runCallers", "MAX_STEPS"]) };

describe("learnerMessageProblem", () => {
  it("accepts a label in the exercise's own words, with the library's detail after it", () => {
    for (const ok of [
      "2 critical sections ran at the same time: expected 2 to be 1 // Object.is equality",
      "AssertionError: locked once every caller is done: expected true to be false",
      "never finished within the 40 s limit and was stopped: spinning on the CPU",
      "TODO: not implemented yet",
      "DeadlineError: imap: value 1 did not finish within 5000 ms",
      "callers called runExclusive in the order 0, 1, 2 but their sections started in the order 0, 2, 1",
    ]) {
      expect(learnerMessageProblem(ok, internals), ok).toBeUndefined();
    }
  });

  it("refuses the assertion libraries' bare default wording", () => {
    for (const bare of [
      "expected 2 to be 1 // Object.is equality",
      "AssertionError: expected [ 1, 2 ] to deeply equal [ 2, 1 ]",
      "expected 0 to be greater than 0",
      'promise resolved "undefined" instead of rejecting',
      'expected "spy" to be called at least once',
      "Expected values to be strictly equal:",
      "The expression evaluated to a falsy value:",
      "Missing expected rejection.",
      "false == true",
    ]) {
      expect(learnerMessageProblem(bare, internals), bare).toMatch(/default wording/);
    }
  });

  it("refuses fast-check's header, which says only that a property failed", () => {
    expect(learnerMessageProblem("Property failed after 3 tests", internals)).toMatch(/fast-check/);
    expect(learnerMessageProblem("Error: Property failed by returning false", internals)).toMatch(
      /fast-check/,
    );
  });

  it("refuses the engine's own errors and a bare timeout", () => {
    for (const engine of [
      "RangeError: Maximum call stack size exceeded",
      "TypeError: (intermediate value) is not iterable",
      "SyntaxError: Invalid regular expression: /[/: Unterminated character class",
      "TypeError: Cannot read properties of undefined (reading 'then')",
    ]) {
      expect(learnerMessageProblem(engine, internals), engine).toMatch(/engine/);
    }
    expect(
      learnerMessageProblem(
        "idle: the test waited 10 s for something that never happened (a promise that never settles?)",
        internals,
      ),
    ).toMatch(/ran out of time/);
    expect(learnerMessageProblem("Test timed out in 10000ms.", internals)).toMatch(/ran out of time/);
  });

  it("refuses stack lines and the paths of the course's own files", () => {
    expect(
      learnerMessageProblem("the lock was lost at run (file:///work/x/exercises/a.ts:3:7)", internals),
    ).toMatch(/stack line/);
    expect(learnerMessageProblem("the lock was lost in exercises/01-concepts/a.test.ts", internals)).toMatch(
      /file/,
    );
    expect(learnerMessageProblem("could not read /work/course/grader/harness/x.ts here", internals)).toMatch(
      /file/,
    );
    expect(learnerMessageProblem("the schedule from grader/harness/scheduler.ts failed", internals)).toMatch(
      /file/,
    );
  });

  it("refuses a name from inside the test, but not the exercise's own words", () => {
    expect(learnerMessageProblem("runCallers saw two sections at once", internals)).toMatch(/runCallers/);
    expect(learnerMessageProblem("more than MAX_STEPS steps were taken", internals)).toMatch(/MAX_STEPS/);
    expect(learnerMessageProblem("the callers ran two sections at once", internals)).toBeUndefined();
  });

  it("refuses a bare word or two that names no behaviour", () => {
    expect(learnerMessageProblem("deep failure", internals)).toMatch(/sentence/);
    expect(learnerMessageProblem("Error: boom", internals)).toMatch(/sentence/);
  });
});

describe("testIdentifiers", () => {
  it("collects the code-shaped names a test declares or imports, minus those the learner's files use", () => {
    const source = [
      'import { createAsyncMutex, type AsyncMutex } from "./async-mutex.ts";',
      'import { scheduleCallers as runCallers, pauses } from "../../grader/harness/interleave.ts";',
      "const MAX_STEPS = 10;",
      "const { seenOrder, total: sumOfAll } = measure();",
      "function sectionsAtOnce() {}",
      "let order = [];",
    ].join("\n");
    const names = testIdentifiers(source, new Set(["createAsyncMutex", "AsyncMutex"]));
    expect([...names].sort()).toEqual(["MAX_STEPS", "runCallers", "sectionsAtOnce", "seenOrder", "sumOfAll"]);
  });
});

describe("identifiersIn", () => {
  it("lists every name a learner file uses, properties included", () => {
    const names = identifiersIn("export interface Spinner { stop(): Promise<{ framesWritten: number }> }");
    expect(names.has("framesWritten")).toBe(true);
    expect(names.has("Spinner")).toBe(true);
  });
});
