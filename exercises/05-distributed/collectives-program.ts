/**
 * Given code for the collectives test: the program it runs on worker threads with runWorkers (do not edit).
 *
 * A worker loads modules without the test runner, so this module loads the collectives.ts being graded
 * itself (yours, the reference solution, or a submission's copy), confined as in the test process: its
 * import of ./comm.ts is a type and goes away, and it may import nothing else.
 */
import { importLearnerFile } from "../../grader/src/confine/module-ref.ts";
import type * as Collectives from "./collectives.ts";
import type { Comm } from "./comm.ts";

const collectives = importLearnerFile<typeof Collectives>("exercises/05-distributed/collectives.ts");
// Awaited by the program; until then a module that fails to load must not count as an unhandled rejection.
collectives.catch(() => {});

/** What one rank saw from each collective, in the order the program calls them. */
export interface Seen {
  readonly bcast: unknown;
  readonly scatter: unknown;
  readonly gather: unknown;
  readonly allgather: unknown;
  readonly reduce: unknown;
  readonly allreduce: unknown;
}

/** Every collective once, the last rank as root, with one message of the program's own in flight. */
export default async function program(comm: Comm): Promise<Seen> {
  const c = await collectives;
  const root = comm.size - 1;
  const ranks = Array.from({ length: comm.size }, (_, r) => r);
  comm.send(`own message from ${comm.rank}`, (comm.rank + 1) % comm.size, 0);
  await c.barrier(comm);
  const bcast = await c.bcast(comm, comm.rank === root ? { from: root } : undefined, root);
  const scatter = await c.scatter(comm, comm.rank === root ? ranks.map((r) => r * 10) : undefined, root);
  const gather = await c.gather(comm, `g${comm.rank}`, root);
  const allgather = await c.allgather(comm, comm.rank);
  const reduce = await c.reduce(comm, `${comm.rank}`, (a, b) => `${a}${b}`, root);
  const allreduce = await c.allreduce(comm, [comm.rank], (a, b) => [...a, ...b]);
  const own = await comm.recv<string>((comm.rank + comm.size - 1) % comm.size, 0);
  if (own !== `own message from ${(comm.rank + comm.size - 1) % comm.size}`)
    throw new Error(
      `rank ${comm.rank} received ${JSON.stringify(own)} as its own message: a collective took it`,
    );
  return { bcast, scatter, gather, allgather, reduce, allreduce };
}
