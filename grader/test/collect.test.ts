/** Collecting learners' repositories as of a deadline, with local repositories standing in for GitHub. */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { COLLECTED_FILE, type CollectedRecord, collectAll } from "../src/gradebook/collect.ts";
import { cli } from "./support.ts";

const root = mkdtempSync(path.join(tmpdir(), "course-collect-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function git(dir: string, args: string[], date?: string): string {
  return execFileSync("git", args, {
    cwd: dir,
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "learner",
      GIT_AUTHOR_EMAIL: "learner@example.com",
      GIT_COMMITTER_NAME: "learner",
      GIT_COMMITTER_EMAIL: "learner@example.com",
      ...(date ? { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } : {}),
    },
  }).trim();
}

/** A learner's repository with one commit per date, each writing `version` into the exercise file. */
function repository(name: string, dates: readonly string[]): { dir: string; commits: string[] } {
  const dir = path.join(root, "remotes", name);
  mkdirSync(path.join(dir, "exercises", "01-concepts"), { recursive: true });
  git(dir, ["init", "--quiet", "--initial-branch=main"]);
  const commits = dates.map((date, version) => {
    writeFileSync(path.join(dir, "exercises", "01-concepts", "actor.ts"), `// version ${version}\n`);
    git(dir, ["add", "-A"]);
    git(dir, ["commit", "--quiet", "-m", `version ${version}`], date);
    return git(dir, ["rev-parse", "HEAD"]);
  });
  return { dir, commits };
}

describe("collecting submissions", () => {
  it("checks out each repository at its last commit before the deadline, and records it", () => {
    const ann = repository("ann", ["2026-12-10T10:00:00Z", "2026-12-14T22:00:00Z", "2026-12-16T09:00:00Z"]);
    const bob = repository("bob", ["2026-12-16T09:00:00Z"]);
    const into = path.join(root, "submissions");
    const deadline = new Date("2026-12-15T00:00:00Z");
    const records = collectAll(
      [
        { learner: "ann", repository: ann.dir },
        { learner: "bob", repository: bob.dir },
        { learner: "cat", repository: path.join(root, "remotes", "nobody") },
      ],
      into,
      deadline,
    );
    const byLearner = Object.fromEntries(records.map((r) => [r.learner, r]));
    expect(byLearner.ann).toMatchObject({ commit: ann.commits[1], committed_at: "2026-12-14T22:00:00.000Z" });
    expect(readFileSync(path.join(into, "ann", "exercises", "01-concepts", "actor.ts"), "utf8")).toBe(
      "// version 1\n",
    );
    expect(byLearner.bob).toMatchObject({
      error: expect.stringMatching(/no commit on main before 2026-12-15/),
    });
    expect(byLearner.cat).toMatchObject({ error: expect.stringMatching(/could not collect/) });
    const recorded = JSON.parse(readFileSync(path.join(into, COLLECTED_FILE), "utf8")) as CollectedRecord[];
    expect(recorded.map((r) => r.learner)).toEqual(["ann", "bob", "cat"]);

    // Collecting again after a later push updates the clone, still as of the deadline.
    writeFileSync(path.join(ann.dir, "late.txt"), "late\n");
    git(ann.dir, ["add", "-A"]);
    git(ann.dir, ["commit", "--quiet", "-m", "late"], "2026-12-17T00:00:00Z");
    const again = collectAll([{ learner: "ann", repository: ann.dir }], into, deadline);
    expect(again[0]).toMatchObject({ commit: ann.commits[1] });
    const later = collectAll([{ learner: "ann", repository: ann.dir }], into, undefined);
    expect(later[0]).toMatchObject({ committed_at: "2026-12-17T00:00:00.000Z" });
  });

  it("never lets a roster entry pass git an option", () => {
    const roster = path.join(root, "roster.csv");
    writeFileSync(roster, "learner,repository\neve,--upload-pack=touch /tmp/pwned-by-roster\n");
    const run = cli(["collect", "--roster", roster, "--into", path.join(root, "evil")]);
    expect(run.status, run.stderr).toBe(0);
    const [record] = JSON.parse(
      readFileSync(path.join(root, "evil", COLLECTED_FILE), "utf8"),
    ) as CollectedRecord[];
    expect(record).toMatchObject({ learner: "eve", error: expect.stringMatching(/could not collect/) });
  });

  it("explains a roster it cannot read", () => {
    const roster = path.join(root, "bad.csv");
    writeFileSync(roster, "name,url\nann,/x\n");
    const run = cli(["collect", "--roster", roster, "--into", path.join(root, "x")]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/first row must name the columns/);
  });
});
