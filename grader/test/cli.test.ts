/** The command line as a user meets it: clear errors, exit codes, the hint ladder. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { allExercises, loadCourse, shortName } from "../src/manifest.ts";
import { cli as run } from "./support.ts";

const stateDir = mkdtempSync(path.join(tmpdir(), "course-state-"));
const first = allExercises(loadCourse())[0]!;

function cli(...args: string[]) {
  const result = run(args, { env: { COURSE_STATE_DIR: stateDir } });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

describe("npm run grade", () => {
  it("names close matches for an unknown --only and exits 2", () => {
    const { code, err } = cli("grade", "--only", `${shortName(first)}x`);
    expect(code).toBe(2);
    expect(err).toMatch(new RegExp(`There is no exercise .*Did you mean: .*${shortName(first)}`));
  });

  it("says which folder does not exist for a bad --dir, and exits 2", () => {
    const { code, err } = cli("grade", "--dir", "no/such/folder");
    expect(code).toBe(2);
    expect(err).toMatch(/--dir no\/such\/folder: no such folder/);
  });

  it("rejects an unknown option with a pointer to --help", () => {
    const { code, err } = cli("grade", "--colour");
    expect(code).toBe(2);
    expect(err).toMatch(/--help/);
  });
});

describe("npm run hint", () => {
  it("shows the hints one level at a time, then stays on the last", () => {
    const levels = first.hints.map(() => cli("hint", shortName(first)).out);
    levels.forEach((out, i) => {
      expect(out).toContain(`Hint ${i + 1} of ${first.hints.length}`);
      expect(out).toContain(first.notes);
    });
    expect(cli("hint", shortName(first)).out).toContain(
      `Hint ${first.hints.length} of ${first.hints.length}`,
    );
  });

  it("shows a chosen level with --level, and refuses one that does not exist", () => {
    expect(cli("hint", first.id, "--level", "1").out).toContain(`Hint 1 of ${first.hints.length}`);
    const { code, err } = cli("hint", first.id, "--level", "9");
    expect(code).toBe(2);
    expect(err).toMatch(/has hints 1 to/);
  });

  it("suggests close matches for an unknown exercise", () => {
    const { code, err } = cli("hint", shortName(first).slice(0, -1));
    expect(code).toBe(2);
    expect(err).toMatch(/Did you mean/);
  });
});
