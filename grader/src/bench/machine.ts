/**
 * How busy the machine is, for benchmarks on a shared machine: noise only ever makes a run slower, so a
 * benchmark waits (a bounded time) for a quiet moment before it measures, and reports the load it saw.
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

/** Average number of cores busy over `ms`, from /proc/stat (0 where there is none). */
export async function busyCores(ms: number): Promise<number> {
  const sample = () => {
    try {
      const [, ...fields] = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/);
      const n = fields.map(Number);
      const idle = n[3]! + (n[4] ?? 0);
      return { idle, total: n.reduce((a, b) => a + b, 0) };
    } catch {
      return undefined;
    }
  };
  const a = sample();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const b = sample();
  if (!a || !b || b.total === a.total) return 0;
  return availableParallelism() * (1 - (b.idle - a.idle) / (b.total - a.total));
}

/** Wait until the machine is quiet (≤ 0.3 cores busy), at most `maxMs`; returns the last load seen. */
export async function waitForQuiet(maxMs: number): Promise<number> {
  const deadline = performance.now() + maxMs;
  for (;;) {
    const busy = await busyCores(200);
    if (busy <= 0.3 || performance.now() >= deadline) return busy;
  }
}

/**
 * A `quiet()` to call before each measurement: waits for a quiet moment (at most `eachMs`, and `totalMs`
 * over all calls, so a machine that is never quiet is measured anyway), and records the load it saw.
 */
export function quietWaiter(
  eachMs = 5_000,
  totalMs = 90_000,
): { quiet: () => Promise<void>; loads: number[] } {
  const loads: number[] = [];
  let budgetMs = totalMs;
  const quiet = async () => {
    const started = performance.now();
    loads.push(await waitForQuiet(Math.min(eachMs, budgetMs)));
    budgetMs = Math.max(0, budgetMs - (performance.now() - started));
  };
  return { quiet, loads };
}

/** The report's line about the load, e.g. "machine load while measuring: median 0.12 cores busy, worst 0.80". */
export function loadLine(loads: readonly number[]): string {
  return `machine load while measuring: median ${median(loads).toFixed(2)} cores busy, worst ${Math.max(0, ...loads).toFixed(2)}`;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}
