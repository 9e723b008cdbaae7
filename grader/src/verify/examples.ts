/**
 * The chapters' runnable examples must run: each `chapters/NN-slug/examples/*.ts` is started with tsx and
 * must exit 0 within a time limit, as a reader would run it with `npx tsx …`.
 */
import { existsSync, readdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { fromRoot, relativeToRoot, tsxCli } from "../paths.ts";
import { mapLimit } from "../run/parallel.ts";
import { runTool } from "./steps.ts";

/**
 * A hang backstop, not a speed check: most examples finish in a second or two, but on a loaded machine
 * starting the processes of chapters 3 and 5 alone takes many seconds.
 */
const LIMIT_MS = 120_000;

export function exampleFiles(): string[] {
  const chapters = fromRoot("chapters");
  if (!existsSync(chapters)) return [];
  return readdirSync(chapters)
    .map((chapter) => path.join(chapters, chapter, "examples"))
    .filter((dir) => existsSync(dir))
    .flatMap((dir) =>
      readdirSync(dir)
        .filter((name) => name.endsWith(".ts"))
        .sort()
        .map((name) => path.join(dir, name)),
    );
}

/** Run every example; returns one problem per example that failed. */
export async function exampleProblems(files: readonly string[]): Promise<string[]> {
  const results = await mapLimit(files, availableParallelism(), async (file) => {
    const run = await runTool(process.execPath, [tsxCli, file], { NO_COLOR: "1" }, LIMIT_MS);
    return run.ok
      ? undefined
      : `${relativeToRoot(file)} did not run cleanly:\n${run.output.trim().split("\n").slice(-15).join("\n")}`;
  });
  return results.filter((problem): problem is string => problem !== undefined);
}
