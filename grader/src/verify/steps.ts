/** Running external tools for verify: a command's exit status and output, with a time limit. */
import { spawn } from "node:child_process";
import { repoRoot } from "../paths.ts";
import { signalGroup } from "../run/process-group.ts";

export interface ToolResult {
  readonly ok: boolean;
  readonly output: string;
  readonly durationMs: number;
}

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
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ ok: code === 0, output, durationMs: Math.round(performance.now() - started) });
    });
  });
}
