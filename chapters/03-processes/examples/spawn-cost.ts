// What a worker thread and a child process cost on your machine: the start-up (spawn to first reply) and
// one message round trip, each measured a few times. Threads share the process (and can share memory);
// a child process shares nothing, and pays a whole Node start-up for it.
// Run: npx tsx chapters/03-processes/examples/spawn-cost.ts
import { fork } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";

// A tiny echo server in plain JavaScript, so that no TypeScript loader muddies the figures.
const dir = mkdtempSync(path.join(tmpdir(), "spawn-cost-"));
const threadEcho = path.join(dir, "thread-echo.mjs");
const childEcho = path.join(dir, "child-echo.mjs");
writeFileSync(
  threadEcho,
  `import { parentPort } from "node:worker_threads";\nparentPort.on("message", (m) => parentPort.postMessage(m));\n`,
);
writeFileSync(childEcho, `process.on("message", (m) => process.send(m));\n`);

const ms = (t: number) => `${t.toFixed(2).padStart(8)} ms`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(
  label: string,
  start: () => { send: (m: unknown) => void; next: () => Promise<unknown>; end: () => Promise<unknown> },
) {
  const startups: number[] = [];
  const trips: number[] = [];
  for (let run = 0; run < 3; run++) {
    const t0 = performance.now();
    const unit = start();
    unit.send(0);
    await unit.next();
    startups.push(performance.now() - t0);
    const t1 = performance.now();
    for (let i = 0; i < 100; i++) {
      unit.send(i);
      await unit.next();
    }
    trips.push((performance.now() - t1) / 100);
    await unit.end();
  }
  console.log(`${label.padEnd(16)} start-up ${ms(median(startups))}   round trip ${ms(median(trips))}`);
}

await measure("worker thread", () => {
  const worker = new Worker(threadEcho);
  return {
    send: (m) => worker.postMessage(m),
    next: () => once(worker, "message"),
    end: () => worker.terminate(),
  };
});
await measure("child process", () => {
  const child = fork(childEcho, [], { stdio: "ignore" });
  return {
    send: (m) => child.send(m as number),
    next: () => once(child, "message"),
    end: async () => {
      child.kill();
      await once(child, "exit");
    },
  };
});
rmSync(dir, { recursive: true, force: true });
console.log("Medians of 3 runs. A pool pays the start-up once, and then only the round trips.");
