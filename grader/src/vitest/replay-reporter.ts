/**
 * For `npm test`: after vitest's own report, one line per failed property that replays it exactly
 * (see replay.ts), so a learner never has to dig the seed and path out of fast-check's output.
 */
import path from "node:path";
import type { Reporter, TestModule } from "vitest/node";
import { failedCase, replayCommand } from "../replay.ts";

const MAX_LINES = 5;

export default class ReplayReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const lines: string[] = [];
    for (const module of modules) {
      const exercise = path.basename(module.moduleId).replace(/\.test\.ts$/, "");
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state !== "failed") continue;
        const found = (result.errors ?? []).map((e) => failedCase(String(e.message ?? ""))).find(Boolean);
        if (found)
          lines.push(`  ${test.fullName}\n    ${replayCommand(exercise, { test: test.fullName, ...found })}`);
      }
    }
    if (lines.length === 0) return;
    const more = lines.length > MAX_LINES ? `\n  … and ${lines.length - MAX_LINES} more` : "";
    process.stdout.write(
      `\n↻ Replay a failure exactly (same test, same case):\n${lines.slice(0, MAX_LINES).join("\n")}${more}\n`,
    );
  }
}
