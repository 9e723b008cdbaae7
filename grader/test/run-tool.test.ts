/** verify's tool runner: a step ends when its tool exits, whatever the tool left behind. */
import { describe, expect, it } from "vitest";
import { eventually } from "../harness/deadline.ts";
import { runTool } from "../src/verify/steps.ts";
import { isRunning } from "./support.ts";

describe("runTool", () => {
  it("reports the exit status and the whole output", async () => {
    const ok = await runTool("bash", ["-c", "echo out; echo err >&2"]);
    expect(ok.ok).toBe(true);
    expect(ok.output).toContain("out");
    expect(ok.output).toContain("err");
    const failed = await runTool("bash", ["-c", "echo why; exit 3"]);
    expect(failed.ok).toBe(false);
    expect(failed.output).toContain("why");
  });

  it("ends at the tool's exit even when a process it left behind holds its output open, and ends that process", async () => {
    // The leftover sleeps far longer than the test may take: waiting for the pipes to close would time out.
    const result = await runTool("bash", ["-c", "sleep 600 & echo $!; exit 0"]);
    expect(result.ok).toBe(true);
    const leftover = Number(/\d+/.exec(result.output)?.[0]);
    expect(leftover).toBeGreaterThan(0);
    await eventually(
      () => !isRunning(leftover),
      `the leftover sleep (pid ${leftover}) was not ended`,
      30_000,
    );
  });

  it("fails, saying why, when the tool cannot start", async () => {
    const result = await runTool("no-such-tool-anywhere", []);
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/ENOENT/);
  });
});
