/** `npm run collect`: clone or update every learner's repository of a roster, as of a deadline. */
import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { collectAll, parseRoster } from "../gradebook/collect.ts";
import { inShard, parseShard } from "../gradebook/gradebook.ts";
import { userPath } from "../paths.ts";
import { UsageError } from "./errors.ts";

export const usage = `npm run collect -- --roster FILE --into DIR [--deadline WHEN] [--shard I/N]
  --roster FILE    CSV with a header row naming "learner" and "repository" (a URL or a local path)
  --into DIR       one folder per learner is cloned or updated there; DIR/collected.json records the commits
  --deadline WHEN  take each repository's last commit before WHEN (ISO 8601, e.g. 2026-12-15T23:59:00Z);
                   commit dates come from the learners' machines: see the README before trusting them
  --shard I/N      only the I-th of N equal shares of the roster (for a sharded re-grade)
Then: npm run grade -- --batch DIR --gradebook grades`;

export async function collectCommand(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      roster: { type: "string" },
      into: { type: "string" },
      deadline: { type: "string" },
      shard: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (!values.roster || !values.into) throw new UsageError(`collect needs --roster and --into.\n${usage}`);
  const rosterFile = userPath(values.roster);
  if (!existsSync(rosterFile)) throw new UsageError(`--roster ${values.roster}: no such file`);
  const deadline = values.deadline !== undefined ? new Date(values.deadline) : undefined;
  if (deadline && Number.isNaN(deadline.getTime()))
    throw new UsageError(
      `--deadline ${values.deadline}: not a date; use ISO 8601, e.g. 2026-12-15T23:59:00Z`,
    );
  let roster = parseRoster(readFileSync(rosterFile, "utf8"), values.roster);
  if (values.shard) {
    const keep = new Set(
      inShard(
        roster.map((r) => r.learner),
        parseShard(values.shard),
      ),
    );
    roster = roster.filter((r) => keep.has(r.learner));
  }
  const records = collectAll(roster, userPath(values.into), deadline, (record, index) => {
    const what =
      "commit" in record ? `${record.commit.slice(0, 12)} (${record.committed_at})` : `✗ ${record.error}`;
    process.stderr.write(`[${index + 1}/${roster.length}] ${record.learner}: ${what}\n`);
  });
  const failed = records.filter((r) => "error" in r).length;
  console.log(
    `Collected ${records.length - failed} of ${records.length} repositories into ${values.into}` +
      (failed > 0 ? ` (${failed} could not be collected: their gradebook rows will say why)` : ""),
  );
  return 0;
}
