// ping-pong.ts — two ranks pass a counter back and forth, first in one thread (runLocal), then on two
// worker threads (runWorkers). The program is the same function both times: only messages connect ranks.
//
//   npx tsx chapters/05-distributed/examples/ping-pong.ts
import { isMainThread } from "node:worker_threads";
import { type Comm, runLocal, runWorkers } from "../../../exercises/05-distributed/comm.ts";

const ROUNDS = 5;
const PING = 1;

/** Rank 0 serves the ball, each rank adds 1 and sends it back; both return what they last saw. */
export default async function pingPong(comm: Comm): Promise<string> {
  const other = 1 - comm.rank;
  let ball = 0;
  if (comm.rank === 0) comm.send(ball, other, PING);
  for (let round = 0; round < ROUNDS; round++) {
    ball = await comm.recv<number>(other, PING);
    if (!(comm.rank === 0 && round === ROUNDS - 1)) comm.send(ball + 1, other, PING);
  }
  return `rank ${comm.rank} of ${comm.size} last saw ${ball}`;
}

if (isMainThread) {
  console.log("runLocal:  ", await runLocal(2, pingPong));
  console.log("runWorkers:", await runWorkers(2, new URL(import.meta.url)));
}
