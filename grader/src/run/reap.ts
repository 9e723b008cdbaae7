/**
 * Ends every process a test run left behind, even those that escaped its process group (a `detached`
 * child, its children, a daemon). Each run carries a random marker in its environment, which children
 * inherit; afterwards we look for processes with that marker and kill them. Linux only (/proc); elsewhere
 * killing the process group is all we do.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";

export const RUN_MARKER_ENV = "COURSE_RUN_ID";

export function newRunMarker(): string {
  return randomBytes(12).toString("hex");
}

/** Processes whose environment carries the marker (never this process). */
export function markedProcesses(marker: string): number[] {
  if (!existsSync("/proc")) return [];
  const needle = `${RUN_MARKER_ENV}=${marker}`;
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, "latin1");
      if (environ.split("\0").includes(needle)) found.push(pid);
    } catch {
      // Gone already, or not ours to read.
    }
  }
  return found;
}

/** Kill every marked process; returns how many there were. */
export function reapMarked(marker: string): number {
  let reaped = 0;
  // A second pass catches anything a dying process managed to start.
  for (let pass = 0; pass < 3; pass++) {
    const pids = markedProcesses(marker);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
        reaped++;
      } catch {
        // Already gone.
      }
    }
  }
  return reaped;
}
