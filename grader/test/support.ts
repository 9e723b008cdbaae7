/** What the grader's end-to-end tests share: running the course's command line as a user would. */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { repoRoot, tsxCli } from "../src/paths.ts";

/**
 * The limit of a test that grades a whole course or sets one up: a hang backstop, not a speed check. On a
 * loaded machine (CI beside other jobs, two cores) grading every exercise takes minutes.
 */
export const WHOLE_COURSE_BACKSTOP_MS = 15 * 60_000;

export interface CliResult {
  /** The CLI's own process id: grading runs it started live under .grade-tmp/run-<pid>-…. */
  readonly pid: number;
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Run `tsx grader/src/cli.ts <args>` in `cwd` (a copy of the course, or the course itself). npm's own
 * variables are cleared so relative paths mean "relative to cwd", as when a user runs the CLI directly.
 */
export function cli(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): CliResult {
  const result = spawnSync(process.execPath, [tsxCli, "grader/src/cli.ts", ...args], {
    cwd: options.cwd ?? repoRoot,
    encoding: "utf8",
    env: {
      ...process.env,
      INIT_CWD: "",
      npm_lifecycle_event: "",
      NO_COLOR: "1",
      GITHUB_ACTIONS: "",
      ...options.env,
    },
  });
  return { pid: result.pid, status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Like cli(), but a non-zero exit is an error that shows what the command printed. */
export function cliOk(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): CliResult {
  const result = cli(args, options);
  if (result.status !== 0) {
    throw new Error(
      `grader/src/cli.ts ${args.join(" ")} exited ${result.status}:\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result;
}

/** True while `pid` exists at all, even as a zombie: kill(pid, 0) fails with ESRCH only once it is reaped. */
export function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/** True while `pid` runs: a zombie has ended, it only waits for its parent (or init) to reap it. */
export function isRunning(pid: number): boolean {
  if (!exists(pid)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat[stat.lastIndexOf(")") + 2] !== "Z";
  } catch {
    return true; // no /proc (macOS): trust kill
  }
}
