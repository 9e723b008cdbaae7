/**
 * The hostile corpus, symbolic links: submissions whose learner files are reached through a link to what
 * is not theirs (the grading checkout's solutions/, a classmate's folder). A link's target is never
 * graded, so the linked exercise scores what a submission without it would, 0, as `missing`, with a
 * message that names the link; the honest exercise beside it keeps full marks; no trusted file changes
 * and no process of a run is left behind. These cases need the sandbox, like the rest of the corpus.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { submissionRoot } from "../src/commands/grade.ts";
import { grade } from "../src/grade.ts";
import type { Gradebook } from "../src/gradebook/gradebook.ts";
import { allExercises, type Exercise, loadCourse, solutionOf } from "../src/manifest.ts";
import { fromRoot } from "../src/paths.ts";
import type { Report } from "../src/report/types.ts";
import {
  changedBetween,
  leftoverRunProcesses,
  noSandboxReason,
  sandboxed,
  trustedDigest,
} from "./hostile-support.ts";
import { cli } from "./support.ts";

const course = loadCourse();
const byId = (id: string) => allExercises(course).find((e) => e.id === id)!;
/** Reached through the link in every case. */
const linked = byId("01-concepts/async-mutex");
/** In another chapter, a real file: it must keep its full marks. */
const honest = byId("02-coroutines/trampoline");
const only = [linked, honest].flatMap((e) => ["--only", e.id]);
const root = mkdtempSync(path.join(tmpdir(), "course-links-"));

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A folder for one case; `layout` is "bare" (laid out like exercises/) or "clone" (a whole course). */
function folder(name: string): string {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function withHonestFile(exercisesRoot: string): void {
  const file = path.join(exercisesRoot, path.relative("exercises", honest.files[0]!));
  mkdirSync(path.dirname(file), { recursive: true });
  cpSync(fromRoot(solutionOf(honest.files[0]!)), file);
}

const chapterOf = (exercise: Exercise) => exercise.id.split("/")[0]!;
const resultOf = (report: Pick<Report, "exercises">, exercise: Exercise) =>
  report.exercises.find((e) => e.id === exercise.id)!;

function expectRefused(report: Pick<Report, "exercises">, link: string): void {
  const refused = resultOf(report, linked);
  expect(refused, refused.message).toMatchObject({ status: "missing", score: 0 });
  expect(refused.message).toContain(`${linked.files[0]} is reached through ${link}, a symbolic link`);
  expect(refused.message).toContain("links are not followed: commit the file itself");
}

function expectHonestKeepsFullMarks(report: Pick<Report, "exercises">): void {
  const other = resultOf(report, honest);
  expect(other, other.message).toMatchObject({ status: "passed", score: honest.points });
}

const gradeFolder = (named: string) =>
  grade(course, {
    target: { root: submissionRoot(named) },
    namedFolder: named,
    exercises: [linked, honest],
    seed: 1,
    typecheck: false,
  });

describe.skipIf(!sandboxed)("symbolic links in a submission (sandboxed)", () => {
  let before: Map<string, string>;
  beforeAll(() => {
    before = trustedDigest();
  });

  afterAll(() => {
    expect(changedBetween(before, trustedDigest()), "trusted files changed during the attacks").toEqual([]);
    expect(leftoverRunProcesses(), "processes of a run were left behind").toEqual([]);
  });

  it("refuses a bare submission's chapter folder that links to the grading checkout's solutions/", async () => {
    const dir = folder("bare-chapter");
    symlinkSync(fromRoot("solutions", chapterOf(linked)), path.join(dir, chapterOf(linked)));
    withHonestFile(dir);
    const report = await gradeFolder(dir);
    expectRefused(report, chapterOf(linked));
    expectHonestKeepsFullMarks(report);
  });

  it("refuses a clone's chapter folder that links to solutions/, in every report", () => {
    const dir = folder("clone-chapter");
    mkdirSync(path.join(dir, "exercises"));
    symlinkSync(fromRoot("solutions", chapterOf(linked)), path.join(dir, "exercises", chapterOf(linked)));
    withHonestFile(path.join(dir, "exercises"));
    const json = path.join(root, "clone-chapter.json");
    const markdown = path.join(root, "clone-chapter.md");
    const run = cli(["grade", "--dir", dir, ...only, "--json", json, "--markdown", markdown]);
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(readFileSync(json, "utf8")) as Report;
    const link = `exercises/${chapterOf(linked)}`;
    expectRefused(report, link);
    expectHonestKeepsFullMarks(report);
    expect(run.stdout).toContain(`is reached through ${link}, a symbolic link`);
    // Markdown escapes the path's slashes and colons, but the words stay readable.
    expect(readFileSync(markdown, "utf8")).toMatch(/reached through exercises\/01-concepts, a symbolic link/);
  });

  it("refuses a clone whose exercises/ folder links to solutions/", async () => {
    const dir = folder("clone-exercises");
    symlinkSync(fromRoot("solutions"), path.join(dir, "exercises"));
    const report = await gradeFolder(dir);
    // Everything is reached through the link, so there is no honest exercise to keep: all score 0.
    expectRefused(report, "exercises");
    const other = resultOf(report, honest);
    expect(other).toMatchObject({ status: "missing", score: 0 });
    expect(other.message).toContain("is reached through exercises, a symbolic link");
  });

  it("refuses a learner file that is itself a link to the solution", async () => {
    const dir = folder("file-link");
    const file = path.join(dir, path.relative("exercises", linked.files[0]!));
    mkdirSync(path.dirname(file), { recursive: true });
    symlinkSync(fromRoot(solutionOf(linked.files[0]!)), file);
    withHonestFile(dir);
    const report = await gradeFolder(dir);
    const refused = resultOf(report, linked);
    expect(refused).toMatchObject({ status: "missing", score: 0 });
    expect(refused.message).toBe(
      `${linked.files[0]} is a symbolic link, and links are not followed: commit the file itself`,
    );
    expectHonestKeepsFullMarks(report);
  });

  it("in a batch, refuses a chapter folder that links to a classmate's, and an entry that is a link", () => {
    const batch = folder("batch");
    const bob = path.join(batch, "bob");
    cpSync(fromRoot("solutions"), bob, { recursive: true });
    const alice = path.join(batch, "alice");
    mkdirSync(alice);
    // A relative link, as it would arrive in a zip or an archive of the class.
    symlinkSync(path.join("..", "bob", chapterOf(linked)), path.join(alice, chapterOf(linked)));
    withHonestFile(alice);
    symlinkSync("bob", path.join(batch, "carol"));
    const out = path.join(root, "batch-out", "grades");
    const run = cli(["grade", "--batch", batch, "--gradebook", out, ...only]);
    expect(run.status, run.stderr).toBe(0);
    const rows = readFileSync(`${out}.csv`, "utf8").trim().split("\n");
    const full = linked.points + honest.points;
    expect(rows.slice(1)).toEqual([
      `alice,0,${honest.points},${honest.points},graded`,
      `bob,${linked.points},${honest.points},${full},graded`,
      "carol,0,0,0,graded",
    ]);
    const book = JSON.parse(readFileSync(`${out}.json`, "utf8")) as Gradebook;
    const reportOf = (learner: string) => book.learners.find((l) => l.learner === learner)!.report!;
    expectRefused(reportOf("alice"), `alice/${chapterOf(linked)}`);
    expectRefused(reportOf("carol"), "carol");
    expect(resultOf(reportOf("carol"), honest).message).toContain(
      "is reached through carol, a symbolic link",
    );
    // Bob's own grade is untouched by the links to his work.
    expect(reportOf("bob").score).toBe(full);
  });
});

describe.runIf(!sandboxed)("symbolic links in a submission (no sandbox here)", () => {
  it.skip(`needs bubblewrap: ${noSandboxReason}`, () => {});
});
