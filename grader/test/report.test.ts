/** The JSON report is a contract: our own schema, and a superset of Gradescope's results.json. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../src/paths.ts";

const load = (file: string) => JSON.parse(readFileSync(path.join(repoRoot, file), "utf8")) as object;
const report = load("grader/test/fixtures/comment/sample-report.json") as Record<string, unknown>;
const ajv = new Ajv({ allErrors: true, strict: false });

describe("the JSON report", () => {
  it("matches the report schema", () => {
    const validate = ajv.compile(load("grader/report.schema.json"));
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
  });

  it("is a valid Gradescope results.json", () => {
    const validate = ajv.compile(load("grader/test/gradescope-results.schema.json"));
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
  });

  it("has the fields and status words the design fixes", () => {
    expect(Object.keys(report)).toEqual(
      expect.arrayContaining([
        "score",
        "max_score",
        "execution_time",
        "output",
        "tests",
        "exercises",
        "integrity",
        "seed",
        "grader_version",
      ]),
    );
    const exercises = report.exercises as Array<Record<string, unknown>>;
    for (const e of exercises) {
      expect(Object.keys(e)).toEqual(
        expect.arrayContaining([
          "id",
          "chapter",
          "score",
          "max_score",
          "status",
          "duration_ms",
          "message",
          "tests",
        ]),
      );
    }
    const tests = report.tests as Array<{ score: number }>;
    expect(tests.reduce((sum, t) => sum + t.score, 0)).toBe(report.score);
  });
});
