/**
 * A pull request, simulated locally as grade.yml runs it: a throwaway git repository with the course as
 * the base commit, and a learner branch that solves two exercises, but also weakens a test, edits the
 * grading workflow, adds a file to the grader and force-adds a fake fast-check (whose assert passes
 * everything) next to the learner files. The base commit is checked out into a folder of its own, where
 * `ci integrity` and `grade --dir <the pull request's checkout>` run; the pull request's checkout is only
 * read. The grade must equal the honest grade of the learner files alone, and `integrity` must list the
 * changed protected files and the shadowing ones.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { courseFiles } from "../src/files.ts";
import { allExercises, loadCourse, solutionOf } from "../src/manifest.ts";
import { repoRoot } from "../src/paths.ts";
import type { Report } from "../src/report/types.ts";
import { cli, cliOk, WHOLE_COURSE_BACKSTOP_MS } from "./support.ts";

const course = loadCourse();
const [solvedA, solvedB, weakened] = allExercises(course);
let scratch = "";
/** The pull request's checkout (with history): data only. */
let head = "";
/** The base commit's checkout: where everything runs. */
let baseDir = "";
/** The learner files alone, as a bare folder: what an honest grade sees. */
let honestDir = "";
let out = "";
let base = "";

const git = (...args: string[]) => execFileSync("git", args, { cwd: head, encoding: "utf8" }).trim();
const write = (file: string, text: string) => {
  mkdirSync(path.dirname(path.join(head, file)), { recursive: true });
  writeFileSync(path.join(head, file), text);
};
const read = (file: string) => readFileSync(path.join(head, file), "utf8");
const fromBase = (...args: string[]) => cliOk(args, { cwd: baseDir });

/**
 * The course's packages in `dir`, as `npm ci` would leave them: a real folder (a symbolic link would point
 * out of the sandbox), made of hard links where the file system allows, so it takes no time.
 */
function installPackages(dir: string): void {
  const from = path.join(repoRoot, "node_modules");
  const to = path.join(dir, "node_modules");
  try {
    execFileSync("cp", ["-al", from, to], { stdio: "ignore" });
  } catch {
    rmSync(to, { recursive: true, force: true });
    cpSync(from, to, { recursive: true, verbatimSymlinks: true });
  }
}

beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), "course-pr-"));
  head = path.join(scratch, "head");
  baseDir = path.join(scratch, "base");
  honestDir = path.join(scratch, "honest");
  out = path.join(scratch, "grade-output");
  for (const file of courseFiles()) {
    mkdirSync(path.dirname(path.join(head, file)), { recursive: true });
    cpSync(path.join(repoRoot, file), path.join(head, file));
  }
  git("init", "-q", "-b", "main");
  git("config", "user.email", "teacher@example.com");
  git("config", "user.name", "Teacher");
  git("add", "-A");
  git("commit", "-q", "-m", "course");
  base = git("rev-parse", "HEAD");

  git("checkout", "-q", "-b", "learner");
  for (const exercise of [solvedA!, solvedB!]) {
    const file = exercise.files[0]!;
    cpSync(path.join(head, solutionOf(file)), path.join(head, file));
  }
  // The tampering: a test that passes whatever the code does, a weakened workflow, a file in the grader,
  // and a fast-check whose assert never fails, where a test resolving packages from exercises/ would find it.
  const names = Object.keys(weakened!.tests).map((n) => n.split(" > "));
  write(
    weakened!.test,
    `import { describe, it } from "vitest";\n${names.map(([d, t]) => `describe(${JSON.stringify(d)}, () => { it(${JSON.stringify(t)}, () => {}); });`).join("\n")}\n`,
  );
  write(".github/workflows/grade.yml", `${read(".github/workflows/grade.yml")}\n# learner was here\n`);
  write("grader/src/backdoor.ts", "export const x = 1;\n");
  const fake = "exercises/01-concepts/node_modules/fast-check";
  write(`${fake}/package.json`, '{ "name": "fast-check", "type": "module", "main": "index.js" }\n');
  write(
    `${fake}/index.js`,
    "// Every call is a no-op; assert never fails.\nconst fc = new Proxy(function () {}, { get: () => fc, apply: () => fc });\nexport default fc;\n",
  );
  git("add", "-A");
  git("add", "-f", fake);
  git("commit", "-q", "-m", "my work");

  // The base commit in a folder of its own, with the course's packages (grade.yml: npm ci there).
  mkdirSync(baseDir);
  execFileSync("sh", ["-c", `git archive ${base} | tar -x -C "$0"`, baseDir], { cwd: head });
  installPackages(baseDir);
  // The honest submission: only the manifest's learner files, as the pull request has them.
  for (const file of allExercises(course).flatMap((e) => e.files)) {
    const to = path.join(honestDir, path.relative("exercises", file));
    mkdirSync(path.dirname(to), { recursive: true });
    cpSync(path.join(head, file), to);
  }
}, WHOLE_COURSE_BACKSTOP_MS);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe("grading a pull request from the base tree", () => {
  let integrity: { base: string; head: string; changed_protected_files: string[] };
  let report: Report;
  let honest: Report;
  let headCommit = "";

  beforeAll(() => {
    headCommit = git("rev-parse", "HEAD");
    // The exercises the pull request touches; a generous limit, as this machine may be busy.
    const options = [solvedA!, solvedB!, weakened!].flatMap((e) => ["--only", e.id]);
    options.push("--timeout", "60", "--quiet");
    // What grade.yml does, in order, from the base commit's checkout.
    fromBase(
      "ci",
      "integrity",
      "--base",
      base,
      "--head-dir",
      head,
      "--out",
      path.join(out, "integrity.json"),
    );
    integrity = JSON.parse(readFileSync(path.join(out, "integrity.json"), "utf8"));
    fromBase(
      "grade",
      "--dir",
      head,
      "--json",
      path.join(out, "report.json"),
      "--integrity",
      path.join(out, "integrity.json"),
      ...options,
    );
    report = JSON.parse(readFileSync(path.join(out, "report.json"), "utf8"));
    fromBase("grade", "--dir", honestDir, "--json", path.join(out, "honest.json"), ...options);
    honest = JSON.parse(readFileSync(path.join(out, "honest.json"), "utf8"));
  }, WHOLE_COURSE_BACKSTOP_MS);

  it("lists every protected file the pull request changed, and only those", () => {
    expect(integrity).toEqual({
      base,
      head: headCommit,
      changed_protected_files: [
        ".github/workflows/grade.yml",
        "grader/src/backdoor.ts",
        weakened!.test,
      ].sort(),
    });
  });

  it("only reads the pull request's checkout: nothing restored, removed or written there", () => {
    expect(git("status", "--porcelain", "--ignored")).toBe("");
    expect(read(weakened!.test)).not.toBe(readFileSync(path.join(repoRoot, weakened!.test), "utf8"));
  });

  it("gives the honest grade of the learner files: the solved exercises, nothing for the weakened test", () => {
    const summary = (r: Report) => r.exercises.map((e) => ({ id: e.id, status: e.status, score: e.score }));
    expect(summary(report)).toEqual(summary(honest));
    expect(report.score).toBe(honest.score);
    const status = Object.fromEntries(report.exercises.map((e) => [e.id, e.status]));
    expect(status[solvedA!.id]).toBe("passed");
    expect(status[solvedB!.id]).toBe("passed");
    expect(status[weakened!.id]).toBe("not-started");
    expect(report.score).toBe(solvedA!.points + solvedB!.points);
  });

  it("records the changed protected files and the shadowing files in integrity", () => {
    expect(report.integrity.ok).toBe(false);
    expect(report.integrity.changed_protected_files).toEqual(integrity.changed_protected_files);
    expect(report.integrity.ignored_files).toEqual(["01-concepts/node_modules/"]);
    expect(report.integrity.tampering).toEqual([]);
    expect(honest.integrity).toMatchObject({ ok: true, changed_protected_files: [], ignored_files: [] });
  });

  it("refuses a head folder without the base commit in its history", () => {
    const result = cli(
      ["ci", "integrity", "--base", "0".repeat(40), "--head-dir", head, "--out", path.join(out, "x.json")],
      { cwd: baseDir },
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/not in the history/);
  });
});
