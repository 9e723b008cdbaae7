/**
 * Exercise 05-distributed/collectives — MPI's collective operations, built from send and recv.
 *
 * Every rank calls the same collective at the same point of its program, with the same root. Build them
 * from point-to-point messages on the given Comm, with mpi4py's semantics (its lowercase methods):
 * - bcast: the root's value on every rank; scatter: rank r gets the root's values[r]; gather: the root gets
 *   every rank's value in rank order, the others undefined; allgather: that list on every rank;
 * - reduce: the root gets op folded over the values in rank order (op is associative, not commutative),
 *   the others undefined; allreduce: that fold on every rank; barrier: nobody returns before all arrived.
 * - At the root, scatter takes exactly comm.size values, or throws RangeError("expecting N items, got M").
 *   A root that is not a rank is a RangeError on every rank. root defaults to 0.
 * - A collective's messages never mix with the program's own messages, or with another collective's, even
 *   when collectives are called back to back.
 *
 * Read first: chapters/05-distributed/README.md#collective-operations
 * Check yourself: npm test -- collectives        Stuck? npm run hint -- collectives
 */
import type { Comm } from "./comm.ts";

/** Nobody returns before every rank has called barrier. */
export async function barrier(comm: Comm): Promise<void> {
  // TODO: see chapters/05-distributed/README.md#collective-operations
  throw new Error("TODO: barrier is not implemented yet");
}

/** The root's value, on every rank. */
export async function bcast<T>(comm: Comm, value: T | undefined, root = 0): Promise<T> {
  // TODO: see chapters/05-distributed/README.md#collective-operations
  throw new Error("TODO: bcast is not implemented yet");
}

/** Rank r gets values[r] of the root's values, which must be exactly comm.size. */
export async function scatter<T>(comm: Comm, values: readonly T[] | undefined, root = 0): Promise<T> {
  // TODO: see chapters/05-distributed/README.md#collective-operations
  throw new Error("TODO: scatter is not implemented yet");
}

/** At the root, every rank's value in rank order; undefined on the other ranks. */
export async function gather<T>(comm: Comm, value: T, root = 0): Promise<T[] | undefined> {
  // TODO: see chapters/05-distributed/README.md#collective-operations
  throw new Error("TODO: gather is not implemented yet");
}

/** Every rank's value in rank order, on every rank. */
export async function allgather<T>(comm: Comm, value: T): Promise<T[]> {
  // TODO: see chapters/05-distributed/README.md#collective-operations
  throw new Error("TODO: allgather is not implemented yet");
}

/** At the root, op folded over every rank's value in rank order: op(op(v0, v1), v2)…; undefined elsewhere. */
export async function reduce<T>(
  comm: Comm,
  value: T,
  op: (a: T, b: T) => T,
  root = 0,
): Promise<T | undefined> {
  // TODO: see chapters/05-distributed/README.md#collective-operations
  throw new Error("TODO: reduce is not implemented yet");
}

/** The rank-order fold of every rank's value, on every rank. */
export async function allreduce<T>(comm: Comm, value: T, op: (a: T, b: T) => T): Promise<T> {
  // TODO: see chapters/05-distributed/README.md#collective-operations
  throw new Error("TODO: allreduce is not implemented yet");
}
