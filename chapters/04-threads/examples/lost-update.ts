// Four threads increment one shared counter: with `++` updates are lost, with Atomics.add none are.
// Run: npx tsx chapters/04-threads/examples/lost-update.ts
import { Worker } from "node:worker_threads";

const THREADS = 4;
const TIMES = 200_000;

// The workers' code, plain JavaScript. They start together: each arrives, then waits for the "go" flag.
const code = `
const { workerData } = require("node:worker_threads");
const { cells, atomic, times } = workerData;
Atomics.add(cells, 2, 1);
while (Atomics.load(cells, 3) === 0) Atomics.wait(cells, 3, 0, 10);
for (let k = 0; k < times; k++) {
  if (atomic) Atomics.add(cells, 0, 1); // one indivisible step
  else cells[0]++;                       // read, add, write: three steps
}
`;

async function race(atomic: boolean): Promise<number> {
  const cells = new Int32Array(new SharedArrayBuffer(16)); // [0] counter, [2] arrived, [3] go
  const workers = Array.from(
    { length: THREADS },
    () => new Worker(code, { eval: true, workerData: { cells, atomic, times: TIMES } }),
  );
  const exits = workers.map((w) => new Promise((resolve) => w.once("exit", resolve)));
  while (Atomics.load(cells, 2) < THREADS) await new Promise((resolve) => setTimeout(resolve, 1));
  Atomics.store(cells, 3, 1); // open the start gate
  Atomics.notify(cells, 3);
  await Promise.all(exits);
  return cells[0]!;
}

const expected = THREADS * TIMES;
const plain = await race(false);
console.log(`cells[0]++        : ${plain} of ${expected} (${expected - plain} updates lost)`);
const atomic = await race(true);
console.log(`Atomics.add(…, 1) : ${atomic} of ${expected}`);
if (atomic !== expected) throw new Error("Atomics.add lost an update: that should never happen");
