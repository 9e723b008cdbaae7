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

/** ANY_SOURCE of comm.ts: receive from whichever rank's message comes first. */
const ANY_SOURCE = -1;

/**
 * Collectives use tags from 2^30 up; the program's own messages use smaller ones. Each call takes the next
 * tag of its communicator, and every rank calls the same collectives in the same order, so the ranks agree
 * on it without a word, and two calls never share a tag.
 */
const FIRST_TAG = 2 ** 30;
const calls = new WeakMap<Comm, number>();
function nextTag(comm: Comm): number {
  const n = calls.get(comm) ?? 0;
  calls.set(comm, (n + 1) % FIRST_TAG);
  return FIRST_TAG + n;
}

function checkRoot(comm: Comm, root: number): void {
  if (!Number.isInteger(root) || root < 0 || root >= comm.size)
    throw new RangeError(`root ${root} is not a rank: the ranks are 0..${comm.size - 1}`);
}

/** Nobody returns before every rank has called barrier. */
export async function barrier(comm: Comm): Promise<void> {
  const tag = nextTag(comm);
  if (comm.rank !== 0) {
    comm.send(null, 0, tag); // "I am here"
    await comm.recv(0, tag); // "everybody is"
    return;
  }
  for (let i = 1; i < comm.size; i++) await comm.recv(ANY_SOURCE, tag);
  for (let r = 1; r < comm.size; r++) comm.send(null, r, tag);
}

/** The root's value, on every rank. */
export async function bcast<T>(comm: Comm, value: T | undefined, root = 0): Promise<T> {
  checkRoot(comm, root);
  const tag = nextTag(comm);
  if (comm.rank !== root) return comm.recv<T>(root, tag);
  for (let r = 0; r < comm.size; r++) if (r !== root) comm.send(value, r, tag);
  return value as T;
}

/** Rank r gets values[r] of the root's values, which must be exactly comm.size. */
export async function scatter<T>(comm: Comm, values: readonly T[] | undefined, root = 0): Promise<T> {
  checkRoot(comm, root);
  const tag = nextTag(comm);
  if (comm.rank !== root) return comm.recv<T>(root, tag);
  const count = values?.length ?? 0;
  if (values === undefined || count !== comm.size)
    throw new RangeError(`expecting ${comm.size} items, got ${count}`);
  for (let r = 0; r < comm.size; r++) if (r !== root) comm.send(values[r], r, tag);
  return values[root] as T;
}

/** At the root, every rank's value in rank order; undefined on the other ranks. */
export async function gather<T>(comm: Comm, value: T, root = 0): Promise<T[] | undefined> {
  checkRoot(comm, root);
  const tag = nextTag(comm);
  if (comm.rank !== root) {
    // The sender's rank travels with the value: the root takes them as they come and files each by rank.
    comm.send([comm.rank, value], root, tag);
    return undefined;
  }
  const values = new Array<T>(comm.size);
  values[root] = value;
  for (let i = 1; i < comm.size; i++) {
    const [source, received] = await comm.recv<[number, T]>(ANY_SOURCE, tag);
    values[source] = received;
  }
  return values;
}

/** Every rank's value in rank order, on every rank. */
export async function allgather<T>(comm: Comm, value: T): Promise<T[]> {
  const values = await gather(comm, value, 0);
  return bcast(comm, values, 0) as Promise<T[]>;
}

/** At the root, op folded over every rank's value in rank order: op(op(v0, v1), v2)…; undefined elsewhere. */
export async function reduce<T>(
  comm: Comm,
  value: T,
  op: (a: T, b: T) => T,
  root = 0,
): Promise<T | undefined> {
  const values = await gather(comm, value, root);
  if (values === undefined) return undefined;
  let result = values[0] as T;
  for (let r = 1; r < values.length; r++) result = op(result, values[r] as T);
  return result;
}

/** The rank-order fold of every rank's value, on every rank. */
export async function allreduce<T>(comm: Comm, value: T, op: (a: T, b: T) => T): Promise<T> {
  const result = await reduce(comm, value, op, 0);
  return bcast(comm, result, 0) as Promise<T>;
}
