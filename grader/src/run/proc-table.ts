/**
 * The machine's processes as /proc shows them, read in one pass: which run each belongs to (by parent, by
 * uid) and how much memory it holds. Linux only; elsewhere the table is empty and nothing is limited.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";

export interface ProcessEntry {
  readonly pid: number;
  readonly ppid: number;
  /** Real uid. */
  readonly uid: number;
  /**
   * Memory the process alone holds: private pages (RssAnon, where ArrayBuffers live) and shared memory it
   * maps (RssShmem). Pages of files such as the node binary are left out: they are shared by every node
   * process on the machine and would be counted once per process.
   */
  readonly memoryBytes: number;
}

export const PROC_AVAILABLE = existsSync("/proc/self/status");
/** Whether /proc lists each thread's children (CONFIG_PROC_CHILDREN): then a tree is found without a scan. */
export const CHILDREN_AVAILABLE = existsSync(`/proc/self/task/${process.pid}/children`);

const KIB = 1024;

/** Parse /proc/<pid>/status; undefined for a process that ended while we looked. */
export function readEntry(pid: number): ProcessEntry | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "latin1");
  } catch {
    return undefined;
  }
  let ppid = -1;
  let uid = -1;
  let memory = 0;
  for (const line of status.split("\n")) {
    const colon = line.indexOf(":");
    const key = line.slice(0, colon);
    if (key === "PPid") ppid = Number.parseInt(line.slice(colon + 1), 10);
    else if (key === "Uid") uid = Number.parseInt(line.slice(colon + 1), 10);
    else if (key === "RssAnon" || key === "RssShmem")
      memory += Number.parseInt(line.slice(colon + 1), 10) * KIB;
  }
  return { pid, ppid, uid, memoryBytes: memory };
}

/** Every process there is now (kernel threads included, with no memory). */
export function readProcessTable(): ProcessEntry[] {
  if (!PROC_AVAILABLE) return [];
  const entries: ProcessEntry[] = [];
  for (const name of readdirSync("/proc")) {
    const first = name.charCodeAt(0);
    if (first < 48 || first > 57) continue;
    const entry = readEntry(Number(name));
    if (entry) entries.push(entry);
  }
  return entries;
}

/**
 * The processes of one run: `root` and its descendants, and every process running as `uid` when the run
 * has a uid of its own (a child that left the tree, e.g. by a double fork, keeps its uid).
 */
export function membersOf(table: readonly ProcessEntry[], root: number, uid?: number): ProcessEntry[] {
  const children = new Map<number, ProcessEntry[]>();
  const byPid = new Map<number, ProcessEntry>();
  for (const entry of table) {
    byPid.set(entry.pid, entry);
    const siblings = children.get(entry.ppid);
    if (siblings) siblings.push(entry);
    else children.set(entry.ppid, [entry]);
  }
  const found = new Map<number, ProcessEntry>();
  const rootEntry = byPid.get(root);
  const pending = rootEntry ? [rootEntry] : [];
  if (uid !== undefined) pending.push(...table.filter((entry) => entry.uid === uid));
  while (pending.length > 0) {
    const entry = pending.pop()!;
    if (found.has(entry.pid)) continue;
    found.set(entry.pid, entry);
    pending.push(...(children.get(entry.pid) ?? []));
  }
  return [...found.values()];
}

/**
 * `roots` and every descendant, found through /proc/<pid>/task/<tid>/children: reads only the tree's own
 * entries (a full scan reads every process of the machine, hundreds on a busy CI machine).
 */
export function treePids(roots: readonly number[]): number[] {
  const seen = new Set<number>();
  const pending = [...roots];
  while (pending.length > 0) {
    const pid = pending.pop()!;
    if (seen.has(pid)) continue;
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // gone
    }
    seen.add(pid);
    for (const task of tasks) {
      try {
        for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, "latin1").split(" "))
          if (child !== "") pending.push(Number(child));
      } catch {
        // the thread ended
      }
    }
  }
  return [...seen];
}

/** CPU time (user + system) `pid` has used so far, in ms; 0 once it has ended. */
export function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // The kernel counts in USER_HZ, 100 a second on every architecture Linux supports today.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}
