// Atomics.wait blocks a thread's event loop; Atomics.waitAsync does not, but keeps nothing alive by itself.
// Run: npx tsx chapters/04-threads/examples/wait-and-wait-async.ts
import { Worker } from "node:worker_threads";

// Each worker counts the ticks of a 5 ms timer while it waits 100 ms for a value that never changes.
const code = `
const { workerData, parentPort } = require("node:worker_threads");
const cells = new Int32Array(workerData.buffer);
let ticks = 0;
const t0 = performance.now();
const ticker = setInterval(() => ticks++, 5);
async function main() {
  if (workerData.mode === "wait") {
    Atomics.wait(cells, 0, 0, 100); // the whole thread sleeps: no timer can fire
  } else {
    const waiting = Atomics.waitAsync(cells, 0, 0, 100);
    if (workerData.mode === "waitAsync alone") clearInterval(ticker); // now nothing holds the thread
    await waiting.value;
  }
  clearInterval(ticker);
  parentPort.postMessage([ticks, performance.now() - t0]);
}
main();
`;

for (const mode of ["wait", "waitAsync", "waitAsync alone"]) {
  const worker = new Worker(code, { eval: true, workerData: { buffer: new SharedArrayBuffer(4), mode } });
  let ticks: number | undefined;
  worker.on("message", ([n]: [number, number]) => {
    ticks = n;
  });
  const exitCode = await new Promise<number>((resolve) => worker.once("exit", resolve));
  console.log(
    `${mode.padEnd(16)}: ${ticks === undefined ? `the worker exited (code ${exitCode}) before the wait ended` : `${ticks} timer ticks during a 100 ms wait`}`,
  );
}
