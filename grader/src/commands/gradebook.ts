/** `npm run gradebook -- merge PARTS... --out PATH`: one gradebook from the shards of a sharded re-grade. */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { type Gradebook, gradebookCsv, mergeGradebooks } from "../gradebook/gradebook.ts";
import { userPath } from "../paths.ts";
import { UsageError } from "./errors.ts";

export async function gradebookCommand(argv: readonly string[]): Promise<number> {
  const [step, ...rest] = argv;
  if (step !== "merge") throw new UsageError(`usage: npm run gradebook -- merge SHARD.json... --out PATH`);
  const { values, positionals } = parseArgs({
    args: rest,
    options: { out: { type: "string" } },
    allowPositionals: true,
  });
  if (!values.out || positionals.length === 0)
    throw new UsageError("gradebook merge needs the shards' JSON gradebooks and --out PATH");
  const parts = positionals.map((file) => JSON.parse(readFileSync(userPath(file), "utf8")) as Gradebook);
  const merged = mergeGradebooks(parts);
  const base = userPath(values.out);
  mkdirSync(path.dirname(base), { recursive: true });
  writeFileSync(`${base}.csv`, gradebookCsv(merged));
  writeFileSync(`${base}.json`, `${JSON.stringify(merged, null, 2)}\n`);
  console.log(
    `Merged ${parts.length} gradebooks, ${merged.learners.length} learners → ${base}.csv, ${base}.json`,
  );
  return 0;
}
