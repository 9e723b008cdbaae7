/** A teacher's central re-grade: every folder of a directory is one learner's submission. */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "../src/paths.ts";
import { cliOk } from "./support.ts";

const root = mkdtempSync(path.join(tmpdir(), "course-batch-"));

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("npm run grade -- --batch", () => {
  it("writes a CSV and a JSON gradebook with one row per learner, bare folders and clones alike", () => {
    const submissions = path.join(root, "submissions");
    cpSync(path.join(repoRoot, "solutions"), path.join(submissions, "alice"), { recursive: true });
    // A clone of the whole course: its exercises/ folder is what counts.
    cpSync(path.join(repoRoot, "exercises"), path.join(submissions, "bob", "exercises"), { recursive: true });
    writeFileSync(path.join(submissions, "bob", "README.md"), "bob's copy\n");
    // A folder name that a spreadsheet would run as a formula.
    mkdirSync(path.join(submissions, "=HYPERLINK(1)"));

    cliOk([
      "grade",
      "--batch",
      submissions,
      "--gradebook",
      path.join(root, "out", "grades"),
      "--only",
      "interleavings",
    ]);

    const csv = readFileSync(path.join(root, "out", "grades.csv"), "utf8")
      .trim()
      .split("\n");
    expect(csv[0]).toBe("learner,01-concepts/interleavings,total,status");
    expect(csv).toContain("alice,10,10,graded");
    expect(csv).toContain("bob,0,0,graded");
    expect(csv).toContain("'=HYPERLINK(1),0,0,graded");
    const json = JSON.parse(readFileSync(path.join(root, "out", "grades.json"), "utf8")) as {
      learners: Array<{ learner: string; report: { exercises: Array<{ status: string }> } }>;
    };
    const status = Object.fromEntries(json.learners.map((l) => [l.learner, l.report.exercises[0]!.status]));
    expect(status).toEqual({ "=HYPERLINK(1)": "missing", alice: "passed", bob: "not-started" });
  }, 120_000);
});
