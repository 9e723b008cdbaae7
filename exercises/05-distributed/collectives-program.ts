/**
 * Given code for the collectives test: the program it runs on worker threads with runWorkers (do not edit).
 *
 * A worker loads modules without the test runner, so this module finds the collectives.ts being graded
 * itself (yours, the reference solution, or a submission's copy), and makes sure that file's imports of
 * ./comm.ts get the trusted comm.ts.
 */
import { register } from "node:module";
import { pathToFileURL } from "node:url";
import { learnerFileIn, targetFromEnv } from "../../grader/src/target.ts";
import type * as Collectives from "./collectives.ts";
import type { Comm } from "./comm.ts";

const collectives = pathToFileURL(learnerFileIn(targetFromEnv(), "exercises/05-distributed/collectives.ts"));
const trustedComm = new URL("./comm.ts", import.meta.url).href;
const theirComm = new URL("./comm.ts", collectives).href;
if (theirComm !== trustedComm) {
  const hooks = `
    export async function resolve(specifier, context, next) {
      if (context.parentURL && /^\\.\\.?\\//.test(specifier) && new URL(specifier, context.parentURL).href === ${JSON.stringify(theirComm)})
        return { url: ${JSON.stringify(trustedComm)}, shortCircuit: true };
      return next(specifier, context);
    }`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
}

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
  const c = (await import(collectives.href)) as typeof Collectives;
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
