/**
 * A teacher's central re-grade of a class: 30 generated submissions (solutions, stubs, known-wrong
 * mutants, one that hangs, one that crashes, one with edited tests, clones and bare folders), graded
 * in one batch and again in two shards that are merged.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Gradebook } from "../src/gradebook/gradebook.ts";
import { allExercises, loadCourse, solutionOf } from "../src/manifest.ts";
import { materializeMutant } from "../src/mutants.ts";
import { fromRoot } from "../src/paths.ts";
import { cliOk } from "./support.ts";

const course = loadCourse();
const graded = ["01-concepts/interleavings", "01-concepts/async-mutex"].map(
  (id) => allExercises(course).find((e) => e.id === id)!,
);
const [first, second] = graded as [(typeof graded)[0], (typeof graded)[0]];
const root = mkdtempSync(path.join(tmpdir(), "course-batch-"));
const submissions = path.join(root, "submissions");
const only = graded.flatMap((e) => ["--only", e.id]);

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** What each generated learner should get: the score of each graded exercise, and the row's status. */
const expected = new Map<string, { scores: (number | "")[]; status: RegExp }>();

function learner(name: string, scores: (number | "")[], status: RegExp, make: (dir: string) => void): void {
  const dir = path.join(submissions, name);
  mkdirSync(dir, { recursive: true });
  make(dir);
  expected.set(name, { scores, status });
}

const file = (dir: string, exercise: (typeof graded)[0]) =>
  path.join(dir, path.relative("exercises", exercise.files[0]!));
const full = (e: (typeof graded)[0]) => e.points;

/** Known-wrong mutants of both exercises, at most eight; solved submissions fill the class up to 30. */
const mutants = graded
  .flatMap((exercise) => exercise.mutants.map((mutant, index) => ({ exercise, mutant, index })))
  .slice(0, 8);

beforeAll(() => {
  for (let i = 0; i < 30 - 12 - mutants.length; i++)
    learner(`solved-${i}`, [full(first), full(second)], /^graded$/, (dir) =>
      cpSync(fromRoot("solutions"), dir, { recursive: true }),
    );
  for (let i = 0; i < 6; i++)
    learner(`stub-${i}`, [0, 0], /^graded$/, (dir) =>
      cpSync(fromRoot("exercises"), dir, { recursive: true }),
    );
  // Clones of the whole course: their exercises/ folder counts.
  for (let i = 0; i < 2; i++)
    learner(`clone-${i}`, [full(first), 0], /^graded$/, (dir) => {
      cpSync(fromRoot("exercises"), path.join(dir, "exercises"), { recursive: true });
      cpSync(fromRoot(solutionOf(first.files[0]!)), file(path.join(dir, "exercises"), first));
      writeFileSync(path.join(dir, "README.md"), "my copy\n");
    });
  // Every mutant of both exercises: never full marks; their exact scores are checked below.
  for (const { exercise, mutant, index } of mutants)
    learner(`mutant-${exercise.id.split("/")[1]}-${index}`, [], /^graded$/, (dir) => {
      cpSync(fromRoot("solutions"), dir, { recursive: true });
      materializeMutant(exercise, mutant, dir);
    });
  learner("hangs", [0, full(second)], /^graded$/, (dir) => {
    cpSync(fromRoot("solutions"), dir, { recursive: true });
    writeFileSync(file(dir, first), "while (true) {}\nexport {};\n");
  });
  learner("crashes", [full(first), 0], /^graded$/, (dir) => {
    cpSync(fromRoot("solutions"), dir, { recursive: true });
    writeFileSync(file(dir, second), `${readFileSync(file(dir, second), "utf8")}\nprocess.exit(0);\n`);
  });
  // Stubs, with the tests rewritten to pass: the course's own tests grade it.
  learner("edited-tests", [0, 0], /review: changed protected files/, (dir) => {
    cpSync(fromRoot("exercises"), path.join(dir, "exercises"), { recursive: true });
    for (const e of graded)
      writeFileSync(
        path.join(dir, "exercises", path.relative("exercises", e.test)),
        "import { it } from 'vitest';\nit('passes', () => {});\n",
      );
  });
  // A folder name a spreadsheet would run as a formula, with nothing in it.
  learner("=HYPERLINK(1)", [0, 0], /^graded$/, () => {});
});

function readGradebook(base: string): { csv: string[]; json: Gradebook } {
  return {
    csv: readFileSync(`${base}.csv`, "utf8").trim().split("\n"),
    json: JSON.parse(readFileSync(`${base}.json`, "utf8")) as Gradebook,
  };
}

/** Gradebooks compared without their timings, which no two runs share. */
const timeless = (gradebook: Gradebook) =>
  JSON.parse(
    JSON.stringify(gradebook, (key, value) =>
      key === "execution_time" || key === "duration_ms" ? 0 : value,
    ),
  ) as unknown;

describe("npm run grade -- --batch", () => {
  it("grades a class of 30: right rows for everybody, the hostile ones costing only their own", () => {
    expect(expected.size).toBe(30);
    const base = path.join(root, "out", "class");
    cliOk(["grade", "--batch", submissions, "--gradebook", base, "--quiet", ...only]);
    const { csv, json } = readGradebook(base);
    expect(csv[0]).toBe(`learner,${first.id},${second.id},total,status`);
    expect(csv).toHaveLength(31);
    for (const [name, want] of expected) {
      const row = csv.find((line) => line.startsWith(`${name.startsWith("=") ? `'${name}` : name},`));
      expect(row, `no row for ${name}`).toBeDefined();
      const cells = row!.split(",");
      const scores = cells.slice(1, 3).map(Number);
      expect(Number(cells[3]), `${name}: total`).toBe(scores[0]! + scores[1]!);
      expect(cells[4], `${name}: status`).toMatch(want.status);
      if (want.scores.length > 0) expect(scores, `${name}: scores`).toEqual(want.scores);
      else
        expect(scores[0]! + scores[1]!, `${name}: a mutant never takes full marks`).toBeLessThan(
          full(first) + full(second),
        );
    }
    const status = (name: string, id: string) =>
      json.learners.find((l) => l.learner === name)?.report?.exercises.find((e) => e.id === id)?.status;
    expect(status("hangs", first.id)).toBe("timeout");
    expect(status("crashes", second.id)).toBe("crashed");
    expect(
      json.learners.find((l) => l.learner === "edited-tests")?.report?.integrity.changed_protected_files,
    ).toEqual(graded.map((e) => e.test).sort());
    // The identical solutions are flagged as near-identical to each other, never graded down.
    expect(json.similar.some((p) => p.learners.join() === "solved-0,solved-1")).toBe(true);

    // The same class in two shards, merged: the same gradebook as the run over everybody.
    const shards = [1, 2].map((i) => {
      const shard = path.join(root, "out", `shard-${i}`);
      cliOk(["grade", "--batch", submissions, "--shard", `${i}/2`, "--gradebook", shard, "--quiet", ...only]);
      return `${shard}.json`;
    });
    const merged = path.join(root, "out", "merged");
    cliOk(["gradebook", "merge", ...shards, "--out", merged]);
    const again = readGradebook(merged);
    expect(again.csv).toEqual(csv);
    expect(timeless(again.json)).toEqual(timeless(json));
  }, 1_500_000);
});
