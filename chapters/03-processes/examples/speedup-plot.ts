// Measure a pool's speedup for 1, 2 and 3 workers on a CPU-bound job, fit Amdahl's law to it, and plot
// both in the terminal. It uses your own 03-processes/pool and 03-processes/amdahl once they work; until
// then it says so and measures plain worker threads and fits with a few lines of its own.
// Run: npx tsx chapters/03-processes/examples/speedup-plot.ts
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

const TASKS = 24;
const N = 26;
const fib = (n: number): number => (n < 2 ? n : fib(n - 1) + fib(n - 2));

interface Measurement {
  readonly workers: number;
  readonly speedup: number;
}

const source = `const { parentPort } = require("node:worker_threads");
  const fib = (n) => (n < 2 ? n : fib(n - 1) + fib(n - 2));
  parentPort.on("message", (n) => parentPort.postMessage(fib(n)));`;
/** Three plain worker threads, started once, for when your pool is not written yet. */
let bare: Worker[] | undefined;

/** `map` over `workers` workers: the learner's pool if it works, else bare worker threads. */
async function poolMap(
  workers: number,
): Promise<{ map: () => Promise<unknown>; end: () => Promise<void>; whose: string }> {
  try {
    const { createPool } = await import("../../../exercises/03-processes/pool.ts");
    const pool = createPool(new URL("../../../exercises/03-processes/tasks.ts", import.meta.url), {
      size: workers,
    });
    const inputs = Array.from({ length: TASKS }, () => N);
    await pool.map("fib", inputs); // warm
    return { map: () => pool.map("fib", inputs), end: () => pool.terminate(), whose: "your pool" };
  } catch (error) {
    if (!String(error).includes("TODO")) throw error;
  }
  bare ??= Array.from({ length: 3 }, () => new Worker(source, { eval: true }));
  const pool = bare.slice(0, workers);
  const map = async () => {
    let next = 0;
    await Promise.all(
      pool.map(async (worker) => {
        while (next < TASKS) {
          next++;
          worker.postMessage(N);
          await new Promise((resolve) => worker.once("message", resolve));
        }
      }),
    );
  };
  await map(); // warm
  return { map, end: async () => {}, whose: "bare worker threads" };
}

/** The learner's fit if it works, else the same least-squares slope written out here. */
async function fitAmdahl(
  measured: readonly Measurement[],
): Promise<{ s: number; predict: (n: number) => number; whose: string }> {
  try {
    const { fitSerialFraction, amdahlSpeedup } = await import("../../../exercises/03-processes/amdahl.ts");
    const s = fitSerialFraction(measured);
    return { s, predict: (n) => amdahlSpeedup(s, n), whose: "your fitSerialFraction" };
  } catch (error) {
    if (!String(error).includes("TODO")) throw error;
  }
  let sxy = 0;
  let sxx = 0;
  for (const { workers, speedup } of measured) {
    const x = 1 - 1 / workers;
    sxy += x * (1 / speedup - 1 / workers);
    sxx += x * x;
  }
  const s = Math.min(1, Math.max(0, sxy / sxx));
  return { s, predict: (n) => 1 / (s + (1 - s) / n), whose: "the example's own fit" };
}

const best = async (run: () => unknown, times = 2) => {
  let ms = Number.POSITIVE_INFINITY;
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    await run();
    ms = Math.min(ms, performance.now() - started);
  }
  return ms;
};

const sequentialMs = await best(() => {
  for (let i = 0; i < TASKS; i++) fib(N);
});
const measured: Measurement[] = [];
let whose = "";
for (const workers of [1, 2, 3]) {
  const pool = await poolMap(workers);
  whose = pool.whose;
  const ms = await best(pool.map);
  await pool.end();
  measured.push({ workers, speedup: sequentialMs / ms });
}
await Promise.all((bare ?? []).map((worker) => worker.terminate()));
const model = await fitAmdahl(measured);

console.log(
  `${TASKS} × fib(${N}) on ${whose}, ${availableParallelism()} cores; sequential ${sequentialMs.toFixed(0)} ms`,
);
console.log(
  `serial fraction s = ${model.s.toFixed(3)} (${model.whose}); Amdahl's limit 1/s = ${model.s > 0 ? (1 / model.s).toFixed(1) : "∞"}×\n`,
);
const width = 40;
const top = Math.max(4, ...measured.map((m) => m.speedup));
for (const { workers, speedup } of measured) {
  const bar = "█".repeat(Math.round((speedup / top) * width));
  const at = Math.round((model.predict(workers) / top) * width);
  const line = [...bar.padEnd(width, " ")];
  line[Math.min(width - 1, at)] = line[Math.min(width - 1, at)] === "█" ? "▓" : "┊";
  console.log(
    `${String(workers).padStart(2)} workers │${line.join("")}│ ${speedup.toFixed(2)}×  (Amdahl: ${model.predict(workers).toFixed(2)}×)`,
  );
}
console.log(
  "\n█ measured   ┊ or ▓ Amdahl's prediction. Past the number of cores, more workers only share them.",
);
