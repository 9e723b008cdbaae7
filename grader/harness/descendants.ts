/**
 * The processes a test process started, found in /proc: a leak check that does not depend on how the code
 * under test started its children, and holds inside the grading sandbox (its own pid namespace, its own
 * /proc) as well as outside it. Linux only; elsewhere it reports nothing.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";

export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  /** The process's command name as the kernel shows it (at most 15 characters). */
  readonly name: string;
}

/** Parse /proc/<pid>/stat; the name may hold spaces and parentheses, so split at its last ")". */
function readStat(pid: number): { info: ProcessInfo; state: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = stat.lastIndexOf(")");
    const name = stat.slice(stat.indexOf("(") + 1, close);
    const [state, ppid] = stat.slice(close + 2).split(" ");
    return { info: { pid, ppid: Number(ppid), name }, state: state ?? "?" };
  } catch {
    return undefined; // it ended while we looked
  }
}

/**
 * Every running descendant of `root` (children, grandchildren, …), zombies excluded: a zombie has ended and
 * only waits to be reaped. Empty where there is no /proc.
 */
export function runningDescendants(root: number = process.pid): ProcessInfo[] {
  if (!existsSync("/proc/self/stat")) return [];
  const children = new Map<number, ProcessInfo[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (!stat || stat.state === "Z" || stat.state === "X") continue;
    const list = children.get(stat.info.ppid) ?? [];
    list.push(stat.info);
    children.set(stat.info.ppid, list);
  }
  const found: ProcessInfo[] = [];
  const pending = [root];
  while (pending.length > 0) {
    for (const child of children.get(pending.pop()!) ?? []) {
      found.push(child);
      pending.push(child.pid);
    }
  }
  return found;
}

/**
 * Wait until `root` has no running descendant, polling every 20 ms for at most `timeoutMs`; resolves with
 * those still running then (an empty array when none is left). Processes take a moment to die after a
 * kill, so a leak check waits a bounded time instead of looking once.
 */
export async function waitForNoDescendants(
  timeoutMs: number,
  root: number = process.pid,
): Promise<ProcessInfo[]> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const left = runningDescendants(root);
    if (left.length === 0 || performance.now() >= deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
