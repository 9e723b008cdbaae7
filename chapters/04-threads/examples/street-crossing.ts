// Walkers cross a street that has two flags. A "semaphore" written as check-then-act lets too many on the road.
// Run: npx tsx chapters/04-threads/examples/street-crossing.ts
import { Worker } from "node:worker_threads";

const WALKERS = 4;
const CROSSINGS = 50_000;
const FLAGS = 2;

// cells: [0] flags in the box, [1] walkers on the road now, [2] most ever on the road, [3] arrived, [4] go
const code = `
const { workerData } = require("node:worker_threads");
const { cells, crossings } = workerData;
function takeFlag() {                     // WRONG on purpose: check, then act
  while (Atomics.load(cells, 0) <= 0) Atomics.wait(cells, 0, 0);
  Atomics.sub(cells, 0, 1);               // another walker may have taken the same flag since the check
}
function putBack() {
  Atomics.add(cells, 0, 1);
  Atomics.notify(cells, 0, 1);
}
Atomics.add(cells, 3, 1);
while (Atomics.load(cells, 4) === 0) Atomics.wait(cells, 4, 0, 10);
for (let k = 0; k < crossings; k++) {
  takeFlag();
  const onRoad = Atomics.add(cells, 1, 1) + 1;
  for (let most = Atomics.load(cells, 2); onRoad > most; most = Atomics.load(cells, 2))
    if (Atomics.compareExchange(cells, 2, most, onRoad) === most) break;
  Atomics.sub(cells, 1, 1);
  putBack();
}
`;

const cells = new Int32Array(new SharedArrayBuffer(20));
cells[0] = FLAGS;
const workers = Array.from(
  { length: WALKERS },
  () => new Worker(code, { eval: true, workerData: { cells, crossings: CROSSINGS } }),
);
const exits = workers.map((w) => new Promise((resolve) => w.once("exit", resolve)));
while (Atomics.load(cells, 3) < WALKERS) await new Promise((resolve) => setTimeout(resolve, 1));
Atomics.store(cells, 4, 1);
Atomics.notify(cells, 4);
const watchdog = setTimeout(() => {
  console.log("the walkers are stuck (a lost wake-up?); ending them");
  for (const w of workers) void w.terminate();
}, 10_000);
await Promise.all(exits);
clearTimeout(watchdog);
console.log(`${WALKERS} walkers crossed ${CROSSINGS} times each with ${FLAGS} flags.`);
console.log(
  `most walkers on the road at once: ${cells[2]} ${cells[2]! > FLAGS ? "— more than the flags allow!" : "(this run got lucky)"}`,
);
console.log(`flags in the box at the end: ${cells[0]} (started with ${FLAGS})`);
console.log("The exercise's compareExchange loop makes taking a flag one indivisible step.");
