/**
 * The pipeline benchmark (`npm run bench -- --only pipeline`): 10^6 numbers through filter → map → sum, as
 * the reference coroutine pipeline of 02-coroutines/pipeline and as its peers (plain nested calls, pull
 * generators, async generators, Node streams one item per chunk and 1000 per chunk, and Python's own
 * coroutines with send() when python3 is installed), all in one run.
 *
 * Each variant runs in a fresh process (see pipeline-variants.ts), the variants interleaved within each
 * round so that a burst of load from elsewhere hits them alike. The figure that counts is CPU time per
 * item (user + system of the benchmark's own process), best of all warm runs: on a machine shared with
 * other work, wall-clock time also counts the time a process waits for a core, which says nothing about
 * the pipeline. Wall-clock figures are printed beside it. Targets: the coroutine pipeline costs at most 8×
 * plain calls per item, and at most half of Python's coroutine pipeline measured in the same run.
 */
import { spawnSync } from "node:child_process";
import { fromRoot, tsxCli } from "../paths.ts";
import { runTool } from "../verify/steps.ts";

export const TARGET_TIMES_PLAIN = 8;
export const TARGET_TIMES_PYTHON = 0.5;

const NODE_VARIANTS = ["plain", "coroutine", "gen-pull", "async-gen", "streams", "streams-1000"] as const;
const LABELS: Record<string, string> = {
  plain: "plain nested function calls (push)",
  coroutine: "coroutines, next(value): the reference pipeline",
  "gen-pull": "sync generators, pulled with for…of",
  "async-gen": "async generators, pulled with for await",
  streams: "Node streams, object mode, 1 item per chunk",
  "streams-1000": "Node streams, 1000 items per chunk",
  "python-send": "Python 3: coroutines driven by send()",
  "python-plain": "Python 3: plain nested function calls",
};

interface Sample {
  readonly variant: string;
  /** CPU time (user + system) per item, best warm run of its process. */
  readonly cpuNsPerItem: number;
  /** Wall-clock time per item, best warm run of its process. */
  readonly wallNsPerItem: number;
  readonly coldWallNsPerItem: number;
}

export interface PipelineOptions {
  /** Rounds over all variants (default 5). */
  readonly rounds?: number;
  /** Warm runs per process after the cold one (default 3). */
  readonly warmRuns?: number;
  readonly python?: string | false;
}

function findPython(): string | undefined {
  for (const candidate of ["python3", "python"]) {
    const probe = spawnSync(candidate, ["-c", "import sys; print(sys.version_info[0])"], {
      encoding: "utf8",
    });
    if (probe.status === 0 && probe.stdout.trim() === "3") return candidate;
  }
  return undefined;
}

function parseSamples(output: string): Sample[] {
  return output
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Sample);
}

/** Run the benchmark, print the table; resolves with the exit code (1 when a target is missed). */
export async function pipelineBench(options: PipelineOptions = {}): Promise<number> {
  const rounds = Math.max(1, options.rounds ?? 5);
  const warmRuns = Math.max(1, options.warmRuns ?? 3);
  const python = options.python === false ? undefined : (options.python ?? findPython());
  const samples = new Map<string, Sample[]>();
  const add = (s: Sample) => samples.set(s.variant, [...(samples.get(s.variant) ?? []), s]);
  const variantsFile = fromRoot("grader/src/bench/pipeline-variants.ts");

  for (let round = 0; round < rounds; round++) {
    // Rotate the order each round, so no variant always runs right after the same neighbour.
    const order = [
      ...NODE_VARIANTS.slice(round % NODE_VARIANTS.length),
      ...NODE_VARIANTS.slice(0, round % NODE_VARIANTS.length),
    ];
    for (const variant of order) {
      const run = await runTool(
        process.execPath,
        [tsxCli, variantsFile, variant, String(warmRuns)],
        {},
        120_000,
      );
      if (!run.ok) throw new Error(`pipeline bench: variant ${variant} failed:\n${run.output}`);
      for (const s of parseSamples(run.output)) add(s);
    }
    if (python) {
      const run = await runTool(
        python,
        [fromRoot("grader/src/bench/pipeline.py"), String(warmRuns)],
        {},
        120_000,
      );
      if (!run.ok) throw new Error(`pipeline bench: python failed:\n${run.output}`);
      for (const s of parseSamples(run.output)) add(s);
    }
    process.stderr.write(`pipeline bench: round ${round + 1}/${rounds} done\n`);
  }

  const figure = (variant: string) => {
    const list = samples.get(variant);
    return list
      ? {
          cpu: Math.min(...list.map((x) => x.cpuNsPerItem)),
          wall: Math.min(...list.map((x) => x.wallNsPerItem)),
          cold: Math.min(...list.map((x) => x.coldWallNsPerItem)),
        }
      : undefined;
  };
  const plain = figure("plain")!;
  const pySend = figure("python-send");
  const rows = [...NODE_VARIANTS, ...(python ? ["python-send", "python-plain"] : [])].map((variant) => {
    const f = figure(variant)!;
    return {
      variant,
      label: LABELS[variant] ?? variant,
      ...f,
      timesPlain: f.cpu / plain.cpu,
      timesPython: pySend ? f.cpu / pySend.cpu : undefined,
    };
  });

  const fmt = (x: number, digits = 1) => x.toFixed(digits);
  console.log(
    `\npipeline bench: 10^6 numbers through filter → map → sum; ns per item, best of ${rounds} rounds × ${warmRuns} warm runs, each variant in a fresh process`,
  );
  console.log(
    `  ${"variant".padEnd(52)} ${"CPU ns".padStart(7)} ${"wall ns".padStart(8)} ${"cold".padStart(7)} ${"× plain".padStart(8)} ${"× Python send".padStart(14)}`,
  );
  for (const r of rows) {
    console.log(
      `  ${r.label.padEnd(52)} ${fmt(r.cpu).padStart(7)} ${fmt(r.wall).padStart(8)} ${fmt(r.cold).padStart(7)} ${fmt(r.timesPlain, 2).padStart(8)} ${(r.timesPython === undefined ? "–" : fmt(r.timesPython, 2)).padStart(14)}`,
    );
  }
  console.log(
    "  (ratios from CPU time; wall-clock time also counts waiting for a core the machine's other work held)",
  );

  const coroutineRow = rows.find((r) => r.variant === "coroutine")!;
  const checks = [
    {
      ok: coroutineRow.timesPlain <= TARGET_TIMES_PLAIN,
      text: `coroutine pipeline ÷ plain calls = ${fmt(coroutineRow.timesPlain, 2)}   target ≤ ${TARGET_TIMES_PLAIN}`,
    },
    pySend
      ? {
          ok: (coroutineRow.timesPython ?? Number.POSITIVE_INFINITY) <= TARGET_TIMES_PYTHON,
          text: `coroutine pipeline ÷ Python send() pipeline = ${fmt(coroutineRow.timesPython!, 2)}   target ≤ ${TARGET_TIMES_PYTHON}`,
        }
      : { ok: true, text: "Python send() pipeline: skipped (no python3 on PATH)" },
  ];
  for (const c of checks) console.log(`  ${c.ok ? "✓" : "✗"} ${c.text}`);
  return checks.every((c) => c.ok) ? 0 : 1;
}
