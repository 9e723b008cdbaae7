/**
 * Ends every process a test run left behind, even those that escaped its process group (a `detached`
 * child, its children, a daemon). Each run carries a random marker in its environment, which children
 * inherit; afterwards we look for processes with that marker, or with the run's own uid when it has one,
 * kill them, and wait until they are gone. Linux only (/proc); elsewhere killing the process group is all
 * we do.
 *
 * Waiting matters: a SIGKILL is delivered when the process next runs, and on a loaded machine a sandbox's
 * processes (torn down by the kernel when bubblewrap's pid 1 dies) may still run learner code for a moment
 * after vitest's main process has exited. A run is over when its processes are gone, not when they were
 * signalled.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { readEntry } from "./proc-table.ts";

export const RUN_MARKER_ENV = "COURSE_RUN_ID";

/** How often reapRun looks again, and how long at most it waits for the processes to go. */
const POLL_MS = 20;
const BACKSTOP_MS = 10_000;

export function newRunMarker(): string {
  return randomBytes(12).toString("hex");
}

/** Processes whose environment carries the marker, or that run as `uid` (never this process). */
export function markedProcesses(marker: string, uid?: number): number[] {
  if (!existsSync("/proc")) return [];
  const needle = `${RUN_MARKER_ENV}=${marker}`;
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      // A zombie's environment reads as empty: it has ended, and only waits to be reaped.
      const environ = readFileSync(`/proc/${pid}/environ`, "latin1");
      if (environ.split("\0").includes(needle)) {
        found.push(pid);
        continue;
      }
    } catch {
      // Gone already, or not ours to read.
    }
    if (uid !== undefined && running(pid) && readEntry(pid)?.uid === uid) found.push(pid);
  }
  return found;
}

function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const state = stat[stat.lastIndexOf(")") + 2];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

/**
 * Kill every process of the run and wait until none is left; resolves with how many were found the first
 * time. Gives up after `backstopMs` (a process stuck in the kernel cannot be hurried), saying so.
 */
export async function reapRun(
  marker: string,
  options: { readonly uid?: number; readonly backstopMs?: number } = {},
): Promise<{ found: number; remaining: number[] }> {
  const deadline = performance.now() + (options.backstopMs ?? BACKSTOP_MS);
  let pids = markedProcesses(marker, options.uid);
  const found = pids.length;
  while (pids.length > 0 && performance.now() < deadline) {
    killAll(pids);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    pids = markedProcesses(marker, options.uid);
  }
  return { found, remaining: pids };
}
