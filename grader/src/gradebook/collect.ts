/**
 * Collecting submissions for a re-grade: from a roster of learners and their repositories, clone or
 * update each one into a folder of the batch, checked out at its last commit before the deadline, and
 * record which commit that was.
 *
 * A commit's date is what the learner's machine said when it was made: a learner can backdate one. For
 * a deadline that must hold, take your own clone at the deadline (run this then, without --deadline), or
 * compare with the push times GitHub records (its API's events for the repository).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

export const COLLECTED_FILE = "collected.json";

export interface RosterEntry {
  readonly learner: string;
  /** A URL git can clone, or a local path. */
  readonly repository: string;
}

export type CollectedRecord =
  | {
      readonly learner: string;
      readonly repository: string;
      readonly commit: string;
      /** The commit's own date (ISO 8601), as its author's machine recorded it. */
      readonly committed_at: string;
    }
  | { readonly learner: string; readonly repository: string; readonly error: string };

export class RosterError extends Error {
  override name = "RosterError";
}

const LEARNER_ID = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/;

/** Parse a roster CSV: a header row naming `learner` and `repository` columns, then one row per learner. */
export function parseRoster(text: string, where = "the roster"): RosterEntry[] {
  const rows = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => line.split(",").map((cell) => cell.trim().replace(/^"(.*)"$/, "$1")));
  const [header, ...data] = rows;
  const learnerColumn = header?.indexOf("learner") ?? -1;
  const repositoryColumn = header?.indexOf("repository") ?? -1;
  if (!header || learnerColumn < 0 || repositoryColumn < 0)
    throw new RosterError(`${where}: the first row must name the columns, e.g. "learner,repository"`);
  const seen = new Set<string>();
  return data.map((row, index) => {
    const learner = row[learnerColumn] ?? "";
    const repository = row[repositoryColumn] ?? "";
    const line = index + 2;
    if (!LEARNER_ID.test(learner))
      throw new RosterError(
        `${where}, line ${line}: "${learner}" is not a usable learner id (letters, digits, . _ @ -; it names a folder)`,
      );
    if (seen.has(learner))
      throw new RosterError(`${where}, line ${line}: learner "${learner}" appears twice`);
    if (repository === "") throw new RosterError(`${where}, line ${line}: no repository for "${learner}"`);
    seen.add(learner);
    return { learner, repository };
  });
}

function git(args: readonly string[], cwd?: string): string {
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    // Never ask for a password: a repository we cannot read is an error for that learner, not a hang.
    env: { ...process.env, GIT_TERMINAL_PROMPT: "0" },
  }).trim();
}

/** Clone or update one learner's repository into `dir`, checked out at its last commit before `deadline`. */
export function collectOne(entry: RosterEntry, dir: string, deadline: Date | undefined): CollectedRecord {
  try {
    if (existsSync(path.join(dir, ".git"))) {
      git(["fetch", "--quiet", "--force", "origin", "+refs/heads/*:refs/remotes/origin/*"], dir);
    } else {
      mkdirSync(path.dirname(dir), { recursive: true });
      // "--" so that a roster entry can never pass git an option.
      git(["clone", "--quiet", "--no-checkout", "--", entry.repository, dir]);
    }
    // The default branch as the remote names it.
    const head = git(["symbolic-ref", "--quiet", "refs/remotes/origin/HEAD"], dir).replace(
      /^refs\/remotes\//,
      "",
    );
    const before = deadline ? [`--before=${deadline.toISOString()}`] : [];
    const commit = git(["rev-list", "-n", "1", "--first-parent", ...before, head], dir);
    if (commit === "") {
      return {
        ...entry,
        error: `no commit on ${head.replace(/^origin\//, "")} before ${deadline?.toISOString()}`,
      };
    }
    git(["checkout", "--quiet", "--force", "--detach", commit], dir);
    git(["clean", "-fdxq"], dir);
    const committedAt = git(["show", "-s", "--format=%cI", commit], dir);
    return { ...entry, commit, committed_at: new Date(committedAt).toISOString() };
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? "";
    const message = stderr.trim().split("\n").at(-1) || (error as Error).message;
    return { ...entry, error: `could not collect ${entry.repository}: ${message}` };
  }
}

/** Collect every learner of the roster into `into/<learner>`, writing `into/collected.json`. */
export function collectAll(
  roster: readonly RosterEntry[],
  into: string,
  deadline: Date | undefined,
  onEach?: (record: CollectedRecord, index: number) => void,
): CollectedRecord[] {
  mkdirSync(into, { recursive: true });
  const records = roster.map((entry, index) => {
    const record = collectOne(entry, path.join(into, entry.learner), deadline);
    onEach?.(record, index);
    return record;
  });
  const file = path.join(into, COLLECTED_FILE);
  // Keep what earlier runs (other shards) recorded for learners not collected this time.
  const earlier = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as CollectedRecord[]) : [];
  const mine = new Set(records.map((r) => r.learner));
  const all = [...earlier.filter((r) => !mine.has(r.learner)), ...records].sort((a, b) =>
    a.learner < b.learner ? -1 : 1,
  );
  writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`);
  return records;
}
