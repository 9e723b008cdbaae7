/**
 * The resource limits of grading when the course manifest sets none (grader/course.json, "grading"), and
 * how messages name them.
 *
 * Measured on the reference solutions (bubblewrap, Node 20): the heaviest run, 04-threads/ring-buffer
 * (eight processes and their worker threads), held 419 MiB of private memory at its peak, and about
 * 480 MiB counted as a cgroup counts it (page cache and kernel memory included); chapters 1 and 2 hold
 * about 170 MiB. Type-checking every learner file takes 0.1 s of CPU and 50 MiB.
 */

/** Memory one exercise's run may hold, every process of it together: over twice the heaviest solution's. */
export const DEFAULT_RUN_MEMORY_MIB = 1024;
/** CPU time one type-check may use: a hundred times what the course's files need. */
export const DEFAULT_TYPECHECK_SECONDS = 20;
/** Memory one type-check may hold. */
export const DEFAULT_TYPECHECK_MEMORY_MIB = 1024;

export function mebibytes(mib: number): number {
  return Math.round(mib * 1024 * 1024);
}

/** "512 MiB", "1 GiB", "1.5 GiB". */
export function formatMiB(mib: number): string {
  if (mib < 1024) return `${Math.round(mib)} MiB`;
  const gib = Math.round((mib / 1024) * 10) / 10;
  return `${gib} GiB`;
}
