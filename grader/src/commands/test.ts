/**
 * `npm test [-- <exercise>] [--replay TOKEN]`: vitest over the exercises, as a learner runs it. With
 * --replay, only the test the token names runs, with the seed and path of the failure it recorded.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { repoRoot } from "../paths.ts";
import { decodeReplay, replayRun } from "../replay.ts";
import { UsageError } from "./errors.ts";

export async function testCommand(argv: readonly string[]): Promise<number> {
  const args: string[] = [];
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const token = arg === "--replay" ? argv[++i] : arg.startsWith("--replay=") ? arg.slice(9) : undefined;
    if (token === undefined && (arg === "--replay" || arg.startsWith("--replay="))) {
      throw new UsageError("--replay needs the token from a failure's replay: line");
    }
    if (token === undefined) {
      args.push(arg);
      continue;
    }
    const replay = decodeReplay(token);
    const run = replayRun(replay);
    Object.assign(env, run.env);
    args.push(...run.vitestArgs);
    console.error(
      `Replaying "${replay.test}" with seed ${replay.seed}, path ${replay.path || "(first case)"}.`,
    );
  }
  const child = spawn(
    process.execPath,
    [path.join(repoRoot, "node_modules", "vitest", "vitest.mjs"), "run", ...args],
    {
      cwd: repoRoot,
      env,
      stdio: "inherit",
    },
  );
  return new Promise((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}
