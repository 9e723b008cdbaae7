/**
 * Exercise 05-distributed/parallel — parallel programs on collectives, after mpi4py's tutorial (π, mat-vec).
 *
 * The pattern of every data-parallel program: split the work into one share per rank, let each rank do its
 * share, combine the results with a collective. The one thing to get exactly right is the split: shares
 * that cover every index once, also when size does not divide n, and when n < size (some ranks get nothing).
 * The collectives come as a parameter (yours from collectives.ts fit), so these functions only plan and
 * combine.
 *
 * Read first: chapters/05-distributed/README.md#parallel-programs
 * Check yourself: npm test -- parallel        Stuck? npm run hint -- parallel
 */
import type { Comm } from "./comm.ts";

/** The collectives the programs use, with the signatures of collectives.ts. */
export interface Collectives {
  allreduce<T>(comm: Comm, value: T, op: (a: T, b: T) => T): Promise<T>;
  allgather<T>(comm: Comm, value: T): Promise<T[]>;
}

/**
 * Rank `rank`'s share of the indices 0..n-1: the block start..end-1. Blocks are in rank order (each starts
 * where the one before it ends, an empty one too), cover every index exactly once, and their lengths differ
 * by at most one (the first n % size ranks take one more).
 */
export function blockRange(n: number, size: number, rank: number): { start: number; end: number } {
  const base = Math.floor(n / size);
  const extra = n % size;
  const start = rank * base + Math.min(rank, extra);
  return { start, end: start + base + (rank < extra ? 1 : 0) };
}

/** The sum of f(i) for i in 0..n-1, each rank summing its block; the same total on every rank. */
export async function parallelSum(
  comm: Comm,
  n: number,
  f: (i: number) => number,
  c: Collectives,
): Promise<number> {
  const { start, end } = blockRange(n, comm.size, comm.rank);
  let local = 0;
  for (let i = start; i < end; i++) local += f(i);
  return c.allreduce(comm, local, (a, b) => a + b);
}

/** π by the midpoint rule with n intervals: the sum of 4 / (1 + x²) · h at x = (i + 0.5) · h, h = 1 / n. */
export function parallelPi(comm: Comm, n: number, c: Collectives): Promise<number> {
  const h = 1 / n;
  return parallelSum(
    comm,
    n,
    (i) => {
      const x = (i + 0.5) * h;
      return (4 / (1 + x * x)) * h;
    },
    c,
  );
}

/**
 * y = A·x. Rank r holds the rows blockRange(rows, size, r) of A (all their columns) and the entries
 * blockRange(x.length, size, r) of x. Every rank returns the whole y.
 */
export async function matvec(
  comm: Comm,
  localRows: number[][],
  localX: number[],
  c: Collectives,
): Promise<number[]> {
  const x = (await c.allgather(comm, localX)).flat();
  const localY = localRows.map((row) => row.reduce((sum, a, j) => sum + a * x[j]!, 0));
  return (await c.allgather(comm, localY)).flat();
}
