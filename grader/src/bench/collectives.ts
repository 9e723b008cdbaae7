/**
 * The collectives benchmark (`npm run bench -- --only collectives`): the reference 05-distributed/collectives
 * on worker threads, one per rank, with the given runWorkers of comm.ts, for 1, 2, 3 and 4 ranks:
 *
 * - scatter + gather with root 0 (the root hands out one number per rank and collects one back), and
 *   allreduce of a number with +;
 * - for each, the time per call, the messages it sends (counted, all ranks together) and so the cost per
 *   message, side by side in one table.
 *
 * Each run starts the ranks afresh (see collectives-ranks.ts); sizes alternate within a run, every figure is
 * the best of all runs and batches, and each run first waits (a bounded time) for the machine to be quiet,
 * and reports how busy it was. Target: no collective sends more than 2(n − 1) messages a call, the cost of
 * a root that talks to every other rank once each way (a tree does no worse).
 */
import { availableParallelism } from "node:os";
import { runWorkers } from "../../../exercises/05-distributed/comm.ts";
import { OPS, type Op, type OpFigures } from "./collectives-ranks.ts";
import { loadLine, median, quietWaiter } from "./machine.ts";

const SIZES = [1, 2, 3, 4] as const;
const CALLS = 200;
const BATCHES = 3;

export interface CollectivesBenchResult {
  readonly ok: boolean;
  readonly lines: readonly string[];
}

/** Run the whole collectives benchmark; prints progress on stderr and returns the report lines. */
export async function benchCollectives(options: { runs?: number } = {}): Promise<CollectivesBenchResult> {
  const runs = Math.max(1, options.runs ?? 3);
  const progress = (what: string) => process.stderr.write(`collectives bench: ${what}\n`);
  const program = new URL(`./collectives-ranks.ts?calls=${CALLS}&batches=${BATCHES}`, import.meta.url);
  const { quiet, loads } = quietWaiter(5_000, 60_000);
  const best = new Map<string, OpFigures>();
  for (let run = 1; run <= runs; run++) {
    for (const size of SIZES) {
      progress(`run ${run}/${runs}: ${size} rank${size === 1 ? "" : "s"}`);
      await quiet();
      const [figures] = await runWorkers<Record<Op, OpFigures> | undefined>(size, program, {
        timeoutMs: 120_000,
      });
      for (const op of OPS) {
        const key = `${op} ${size}`;
        const seen = best.get(key);
        if (!seen || figures![op].msPerCall < seen.msPerCall) best.set(key, figures![op]);
      }
    }
  }

  const cores = availableParallelism();
  const us = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;
  const cell = (f: OpFigures) =>
    `${us(f.msPerCall).padStart(10)} ${String(f.messagesPerCall).padStart(9)} ${(f.messagesPerCall > 0 ? us(f.msPerCall / f.messagesPerCall) : "–").padStart(12)}`;
  const lines: string[] = [];
  lines.push(
    `collectives benchmark (reference solution on worker threads via runWorkers; ${CALLS} calls a batch, best of ${runs} runs × ${BATCHES} batches; ${cores} cores)`,
  );
  lines.push(`  ${loadLine(loads)}`);
  lines.push(`         ${"scatter + gather, root 0".padEnd(33)}   allreduce, sum`);
  const head = `${"per call".padStart(10)} ${"messages".padStart(9)} ${"per message".padStart(12)}`;
  lines.push(`  ranks  ${head}   ${head}`);
  for (const size of SIZES) {
    const row = OPS.map((op) => cell(best.get(`${op} ${size}`)!)).join("   ");
    lines.push(`  ${String(size).padStart(5)}  ${row}`);
  }
  if (SIZES.some((size) => size > cores))
    lines.push(
      `  (more ranks than the ${cores} cores: ranks take turns on a core, so a message also waits for its receiver to be scheduled)`,
    );

  const checks: [boolean, string][] = OPS.map((op) => {
    const counts = SIZES.map((size) => best.get(`${op} ${size}`)!.messagesPerCall);
    const ok = SIZES.every((size, i) => counts[i]! <= 2 * (size - 1));
    return [
      ok,
      `${op}: ${counts.join(", ")} messages a call for ${SIZES.join(", ")} ranks   target ≤ 2(n − 1)`,
    ];
  });
  lines.push("  targets");
  for (const [ok, text] of checks) lines.push(`    ${ok ? "✓" : "✗"} ${text}`);
  if (median(loads) > 0.3)
    lines.push(
      "    (the machine was busy while measuring: other processes used cores; figures are pessimistic)",
    );
  return { ok: checks.every(([ok]) => ok), lines };
}
