/** Running external tools for verify: a command's exit status and output, with a time limit. */
import { spawn } from "node:child_process";
import { repoRoot } from "../paths.ts";
import { signalGroup } from "../run/process-group.ts";

export interface ToolResult {
  readonly ok: boolean;
  readonly output: string;
  readonly durationMs: number;
}

/** How long the output of an exited tool may take to arrive. */
const PIPE_GRACE_MS = 2_000;

export function runTool(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 600_000,
): Promise<ToolResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let output = "";
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-200_000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const timer = setTimeout(() => {
      output += `\n(killed after ${Math.round(timeoutMs / 1000)} s)`;
      signalGroup(child.pid);
    }, timeoutMs);
    child.once("error", (error) => {
      output += error.message;
      // A tool that could not start at all (not installed) has no exit to wait for.
      if (child.pid === undefined) {
        clearTimeout(timer);
        resolve({ ok: false, output, durationMs: Math.round(performance.now() - started) });
      }
    });
    // The exit, not the pipes' close, ends the step: a process the tool left behind can hold the pipes
    // open for ever. Whatever is left of its group is then ended, and the output is read to the end.
    child.once("exit", (code) => {
      clearTimeout(timer);
      signalGroup(child.pid);
      const done = () =>
        resolve({ ok: code === 0, output, durationMs: Math.round(performance.now() - started) });
      const drained = setTimeout(done, PIPE_GRACE_MS);
      child.once("close", () => {
        clearTimeout(drained);
        done();
      });
    });
  });
}
