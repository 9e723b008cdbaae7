/** The flake detector: the same submission graded under several seeds must come out the same. */
import { describe, expect, it } from "vitest";
import { disagreements } from "../src/commands/repeat.ts";
import type { ExerciseReport } from "../src/score.ts";
import { cli } from "./support.ts";

const exercise = (id: string, status: ExerciseReport["status"], score: number): ExerciseReport => ({
  id,
  chapter: "01-concepts",
  title: id,
  score,
  max_score: 10,
  status,
  duration_ms: 1,
  message: "",
  tests: [],
});

describe("disagreements", () => {
  it("names the exercises whose status or score changed with the seed, with each seed's outcome", () => {
    const runs = [
      { seed: 1, exercises: [exercise("a", "passed", 10), exercise("b", "partial", 7)] },
      { seed: 2, exercises: [exercise("a", "passed", 10), exercise("b", "partial", 6)] },
      { seed: 3, exercises: [exercise("a", "passed", 10), exercise("b", "partial", 7)] },
    ];
    expect(disagreements(runs)).toEqual([
      { exercise: "b", outcomes: { 1: "partial 7", 2: "partial 6", 3: "partial 7" } },
    ]);
    expect(disagreements(runs.slice(0, 1))).toEqual([]);
  });
});

describe("npm run grade -- --repeat", () => {
  it("reports 0 disagreements for the reference solutions", () => {
    const run = cli(["grade", "--dir", "solutions", "--only", "interleavings", "--repeat", "2"]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/2 gradings \(seeds 1–2\) agree on all 1 exercises: 0 disagreements/);
  });
});
