/**
 * The rank program of the collectives benchmark (see collectives.ts), run by runWorkers on 1 … 4 worker
 * threads. Every rank times each collective over a batch of calls, after a warm-up, best of a few batches;
 * rank 0 returns the figures of the slowest rank (a collective is done when every rank has its result).
 * Parameters come in the module's URL: `collectives-ranks.ts?calls=200&batches=3`.
 */
import type * as Collectives from "../../../exercises/05-distributed/collectives.ts";
import type { Comm } from "../../../exercises/05-distributed/comm.ts";
import { loadReference } from "./reference.ts";

/** What rank 0 reports for one collective. */
export interface OpFigures {
  /** Milliseconds per call, best batch, slowest rank. */
  readonly msPerCall: number;
  /** Messages sent per call, all ranks together. */
  readonly messagesPerCall: number;
}

export const OPS = ["scatter+gather", "allreduce"] as const;
export type Op = (typeof OPS)[number];

const params = new URL(import.meta.url).searchParams;
const CALLS = Math.max(1, Number(params.get("calls")) || 200);
const BATCHES = Math.max(1, Number(params.get("batches")) || 3);

export default async function program(world: Comm): Promise<Record<Op, OpFigures> | undefined> {
  const c = await loadReference<typeof Collectives>("solutions/05-distributed/collectives.ts");
  // Count the messages this rank sends while a batch runs; the barriers and reductions around it are not counted.
  let counting = false;
  let sent = 0;
  const comm: Comm = {
    rank: world.rank,
    size: world.size,
    send(value, dest, tag) {
      if (counting) sent++;
      world.send(value, dest, tag);
    },
    recv: (source, tag) => world.recv(source, tag),
  };
  const values = Array.from({ length: comm.size }, (_, r) => r);
  const calls: Record<Op, () => Promise<unknown>> = {
    "scatter+gather": async () => {
      const mine = await c.scatter(comm, comm.rank === 0 ? values : undefined, 0);
      await c.gather(comm, mine + 1, 0);
    },
    allreduce: () => c.allreduce(comm, comm.rank, (a, b) => a + b),
  };

  const figures = {} as Record<Op, OpFigures>;
  for (const op of OPS) {
    const call = calls[op];
    for (let i = 0; i < Math.min(CALLS, 50); i++) await call(); // warm: JIT, mailboxes, ports
    let best = Number.POSITIVE_INFINITY;
    let messages = 0;
    for (let batch = 0; batch < BATCHES; batch++) {
      await c.barrier(comm);
      sent = 0;
      counting = true;
      const started = performance.now();
      for (let i = 0; i < CALLS; i++) await call();
      const ms = performance.now() - started;
      counting = false;
      const slowest = await c.allreduce(comm, ms, Math.max);
      messages = await c.allreduce(comm, sent, (a, b) => a + b);
      best = Math.min(best, slowest);
    }
    figures[op] = { msPerCall: best / CALLS, messagesPerCall: messages / CALLS };
  }
  return comm.rank === 0 ? figures : undefined;
}
