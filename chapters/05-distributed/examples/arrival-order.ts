// arrival-order.ts — a gather that collects with recv(ANY_SOURCE) returns its values in arrival order,
// and arrival order changes from run to run. runLocal's `delay` option plays the network: here each
// message waits a random number of turns, so every run below may deliver in another order.
//
//   npx tsx chapters/05-distributed/examples/arrival-order.ts
import { ANY_SOURCE, type Comm, runLocal } from "../../../exercises/05-distributed/comm.ts";

/** Wrong on purpose: the root takes whatever comes first. */
async function gatherInArrivalOrder(comm: Comm, value: number): Promise<number[] | undefined> {
  if (comm.rank !== 0) {
    comm.send(value, 0, 99);
    return undefined;
  }
  const values = [value];
  for (let i = 1; i < comm.size; i++) values.push(await comm.recv<number>(ANY_SOURCE, 99));
  return values;
}

/** Right: one receive per rank, by name, so the list is in rank order whatever the network does. */
async function gatherInRankOrder(comm: Comm, value: number): Promise<number[] | undefined> {
  if (comm.rank !== 0) {
    comm.send(value, 0, 99);
    return undefined;
  }
  const values = [value];
  for (let source = 1; source < comm.size; source++) values.push(await comm.recv<number>(source, 99));
  return values;
}

// A seeded generator, so the example prints the same runs every time.
let seed = 7;
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};
const turns = (n: number) =>
  Array.from({ length: n }).reduce<Promise<void>>((p) => p.then(() => {}), Promise.resolve());
const delay = () => turns(Math.floor(random() * 20));

for (let run = 1; run <= 4; run++) {
  const wrong = await runLocal(4, (comm) => gatherInArrivalOrder(comm, comm.rank * 10), { delay });
  const right = await runLocal(4, (comm) => gatherInRankOrder(comm, comm.rank * 10), { delay });
  console.log(
    `run ${run}: arrival order ${JSON.stringify(wrong[0])}   rank order ${JSON.stringify(right[0])}`,
  );
}
