/**
 * A cgroup v2 of its own for each run, where the kernel enforces the memory cap: every process of the run
 * (vitest's main process, the sandboxed test process, its workers and children, however they were
 * started) is in it, and past `memory.max` the kernel's OOM killer ends the whole group at once.
 *
 * Usable where a cgroup2 hierarchy offers the memory controller and this process may create a cgroup
 * beside its own (root on CI machines and GitHub's runners, or a delegated subtree). Not where memory is
 * still bound to a cgroup v1 hierarchy ("hybrid" systems list it only in v1), or where /sys/fs/cgroup is
 * read-only (a container); limits.ts then falls back to sampling /proc.
 */
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";

/** The part of a cgroup name that marks ours; stale ones are removed when found. */
const PREFIX = "course-grader-";

export interface Cgroup2Mount {
  /** Where the hierarchy is mounted, e.g. /sys/fs/cgroup. */
  readonly mountPoint: string;
  /** The cgroup path shown at the mount point (/ unless the mount shows a subtree). */
  readonly root: string;
}

/** The cgroup2 mounts listed in /proc/self/mountinfo. */
export function cgroup2Mounts(mountinfo: string): Cgroup2Mount[] {
  const mounts: Cgroup2Mount[] = [];
  for (const line of mountinfo.split("\n")) {
    const [before, after] = line.split(" - ");
    if (!before || !after || after.split(" ")[0] !== "cgroup2") continue;
    const fields = before.split(" ");
    const root = fields[3];
    const mountPoint = fields[4];
    if (root && mountPoint)
      mounts.push({ root: unescapeMountField(root), mountPoint: unescapeMountField(mountPoint) });
  }
  return mounts;
}

/** mountinfo escapes spaces and a few other characters as octal. */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

/** This process's cgroup v2 path, from /proc/self/cgroup ("0::/system.slice/x.service"). */
export function ownCgroupPath(selfCgroup: string): string | undefined {
  const line = selfCgroup.split("\n").find((l) => l.startsWith("0::"));
  return line?.slice(3).trim() || undefined;
}

/**
 * Folders where a run's cgroup could be created, nearest first: the parents of our own cgroup up to the
 * mount point (a cgroup that holds processes cannot give its children controllers, so never our own),
 * or the mount point itself when we are in the hierarchy's root, which may hold both.
 */
export function candidateParents(mount: Cgroup2Mount, own: string): string[] {
  const relative = path.posix.relative(mount.root, own);
  if (relative.startsWith("..") || path.posix.isAbsolute(relative)) return [];
  const ownDir = path.join(mount.mountPoint, relative);
  const candidates: string[] = [];
  if (relative === "") candidates.push(ownDir);
  for (let dir = ownDir; dir !== mount.mountPoint; ) {
    dir = path.dirname(dir);
    candidates.push(dir);
    if (dir === path.dirname(dir)) break;
  }
  return candidates;
}

function words(file: string): string[] {
  try {
    return readFileSync(file, "utf8").trim().split(/\s+/);
  } catch {
    return [];
  }
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Whether children of `dir` get the memory controller; at a hierarchy's root, turn it on if we may. */
function memoryForChildren(dir: string, isRoot: boolean): boolean {
  if (!words(path.join(dir, "cgroup.controllers")).includes("memory")) return false;
  if (words(path.join(dir, "cgroup.subtree_control")).includes("memory")) return true;
  if (!isRoot) return false;
  try {
    writeFileSync(path.join(dir, "cgroup.subtree_control"), "+memory");
    return true;
  } catch {
    return false;
  }
}

let probed: { parent: string | undefined } | undefined;

/** The folder under which runs get their cgroups, found once per process; undefined where there is none. */
export function cgroupParent(): string | undefined {
  probed ??= { parent: findParent() };
  return probed.parent;
}

/** For tests, and after a failure to use the one found: stop using cgroups in this process. */
export function disableCgroups(): void {
  probed = { parent: undefined };
}

function findParent(): string | undefined {
  if (process.platform !== "linux" || process.env.COURSE_NO_CGROUP === "1") return undefined;
  let mountinfo: string;
  let self: string;
  try {
    mountinfo = readFileSync("/proc/self/mountinfo", "utf8");
    self = readFileSync("/proc/self/cgroup", "utf8");
  } catch {
    return undefined;
  }
  const own = ownCgroupPath(self);
  if (own === undefined) return undefined;
  for (const mount of cgroup2Mounts(mountinfo)) {
    for (const dir of candidateParents(mount, own)) {
      if (!writable(dir) || !memoryForChildren(dir, dir === mount.mountPoint)) continue;
      if (!canLimit(dir)) continue;
      removeStale(dir);
      return dir;
    }
  }
  return undefined;
}

/** Try it: a cgroup made here must take a memory limit. */
function canLimit(dir: string): boolean {
  const trial = path.join(dir, `${PREFIX}probe-${process.pid}`);
  try {
    mkdirSync(trial);
    writeFileSync(path.join(trial, "memory.max"), String(64 * 1024 * 1024));
    return true;
  } catch {
    return false;
  } finally {
    try {
      rmdirSync(trial);
    } catch {
      // never made
    }
  }
}

/** Empty cgroups left by a grader that was killed: a cgroup without processes can just be removed. */
function removeStale(dir: string): void {
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(PREFIX)) continue;
    const pid = Number(name.slice(PREFIX.length).split("-")[0]);
    if (Number.isInteger(pid) && pid !== process.pid && existsSync(`/proc/${pid}`)) continue;
    try {
      rmdirSync(path.join(dir, name));
    } catch {
      // still in use, or not ours to remove
    }
  }
}

let counter = 0;

/** One run's cgroup: its processes, its memory limit, what the kernel did at the limit. */
export class RunCgroup {
  private constructor(readonly dir: string) {}

  /** A new cgroup for a run, limited to `memoryBytes`; undefined where cgroups cannot be used. */
  static create(memoryBytes: number, maxTasks: number): RunCgroup | undefined {
    const parent = cgroupParent();
    if (parent === undefined) return undefined;
    const dir = path.join(parent, `${PREFIX}${process.pid}-${counter++}`);
    try {
      mkdirSync(dir);
      writeFileSync(path.join(dir, "memory.max"), String(memoryBytes));
      // Past the limit the whole run ends, not one process of it that the rest would then wait for.
      writeFileSync(path.join(dir, "memory.oom.group"), "1");
    } catch {
      removeQuietly(dir);
      disableCgroups();
      return undefined;
    }
    // Optional: swap would let the run hold more than the cap; a fork bomb would take every pid.
    writeOptional(path.join(dir, "memory.swap.max"), "0");
    writeOptional(path.join(dir, "pids.max"), String(maxTasks));
    return new RunCgroup(dir);
  }

  /**
   * Move `pid` in. Call it right after spawning, before the process starts any other: its children
   * are born in it. False if the kernel refused (then the caller limits some other way).
   */
  attach(pid: number): boolean {
    try {
      writeFileSync(path.join(this.dir, "cgroup.procs"), String(pid));
      return true;
    } catch {
      disableCgroups();
      return false;
    }
  }

  /**
   * Whether the kernel's OOM killer ended processes of this run because it reached its own limit ("oom"
   * counts only that; "oom_kill" also counts kills when the whole machine ran out).
   */
  hitMemoryLimit(): boolean {
    const events = keyValues(path.join(this.dir, "memory.events"));
    const killed = (events.get("oom_kill") ?? 0) > 0 || (events.get("oom_group_kill") ?? 0) > 0;
    return (events.get("oom") ?? 0) > 0 && killed;
  }

  /** CPU time used by every process of the run so far, in ms. */
  cpuMs(): number {
    return Math.round((keyValues(path.join(this.dir, "cpu.stat")).get("usage_usec") ?? 0) / 1000);
  }

  /** The most memory the run held at once, in bytes (kernels from 5.19 on; undefined before). */
  peakBytes(): number | undefined {
    try {
      return Number(readFileSync(path.join(this.dir, "memory.peak"), "utf8").trim());
    } catch {
      return undefined;
    }
  }

  pids(): number[] {
    return words(path.join(this.dir, "cgroup.procs"))
      .filter((w) => w !== "")
      .map(Number);
  }

  populated(): boolean {
    return (keyValues(path.join(this.dir, "cgroup.events")).get("populated") ?? 0) > 0;
  }

  /** SIGKILL everything in it: at once with cgroup.kill (Linux 5.14), else process by process. */
  kill(): void {
    try {
      writeFileSync(path.join(this.dir, "cgroup.kill"), "1");
      return;
    } catch {
      // older kernel
    }
    for (const pid of this.pids()) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone
      }
    }
  }

  /** Remove the cgroup; it must be empty (see populated). */
  remove(): void {
    removeQuietly(this.dir);
  }
}

function keyValues(file: string): Map<string, number> {
  const values = new Map<string, number>();
  try {
    for (const line of readFileSync(file, "utf8").split("\n")) {
      const [key, value] = line.split(" ");
      if (key && value !== undefined) values.set(key, Number(value));
    }
  } catch {
    // no such file on this kernel
  }
  return values;
}

function writeOptional(file: string, value: string): void {
  try {
    writeFileSync(file, value);
  } catch {
    // the controller is not enabled here
  }
}

function removeQuietly(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // not there, or not empty yet
  }
}
