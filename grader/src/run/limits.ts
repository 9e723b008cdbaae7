/**
 * Resource limits on a tree of processes (one exercise's run, or one type-check): memory, and optionally
 * CPU time. Where the machine offers a cgroup v2 with the memory controller the kernel enforces the
 * memory limit (cgroup.ts); elsewhere one sampler reads /proc every SAMPLE_MS for every limited tree at
 * once and kills a tree that went past its limit. Sampling can overshoot by what a process allocates
 * between two samples; it is a safety net for the machine, not an exact measure.
 */
import { RunCgroup } from "./cgroup.ts";
import { cpuMsOf, membersOf, PROC_AVAILABLE, type ProcessEntry, readProcessTable } from "./proc-table.ts";

export interface ResourceLimits {
  readonly memoryBytes: number;
  /** CPU time of the whole tree (every thread of every process), in ms. */
  readonly cpuMs?: number;
}

export type LimitKind = "memory" | "cpu";

export type LimitMethod = "cgroup" | "sampling" | "none";

export interface Confinement {
  readonly method: LimitMethod;
  /** The limit the tree went past (it has been, or is being, ended), or undefined. */
  exceeded(): LimitKind | undefined;
  /** The most memory seen at once, in bytes (a sampled or kernel figure), when known. */
  peakBytes(): number | undefined;
  /** Kill whatever is left of the tree and wait until it is gone (or `backstopMs` passed); then release. */
  end(backstopMs?: number): Promise<void>;
}

/** How often the sampler looks: a scan of /proc costs about 12 µs a process. */
export const SAMPLE_MS = 100;
/** Tasks (threads included) a run may have at once where cgroups count them: room for many workers. */
const MAX_TASKS = 4096;
const END_POLL_MS = 20;
const DEFAULT_BACKSTOP_MS = 10_000;

export interface ConfineOptions {
  /** The uid the tree's processes run as, when it is theirs alone ("unprivileged user" mode). */
  readonly uid?: number;
  /** Called once when a limit is passed; the tree is being ended. */
  readonly onExceeded?: (kind: LimitKind) => void;
}

/**
 * Put the process tree rooted at `pid`, spawned a moment ago, under `limits`. Call it before the process
 * can have started another: a child started before is outside a cgroup (not outside sampling).
 */
export function confine(pid: number, limits: ResourceLimits, options: ConfineOptions = {}): Confinement {
  const cgroup = RunCgroup.create(limits.memoryBytes, MAX_TASKS);
  if (cgroup?.attach(pid)) return new CgroupConfinement(cgroup, limits, options);
  cgroup?.remove();
  if (!PROC_AVAILABLE) return unlimited;
  return new SampledConfinement(pid, limits, options);
}

const unlimited: Confinement = {
  method: "none",
  exceeded: () => undefined,
  peakBytes: () => undefined,
  end: async () => {},
};

interface Watched {
  check(table: readonly ProcessEntry[] | undefined): void;
}

/** One timer for every confinement that needs looking at; it never keeps the grader alive by itself. */
const sampler = {
  watched: new Set<Watched>(),
  timer: undefined as NodeJS.Timeout | undefined,
  needsTable: 0,
  add(entry: Watched, needsTable: boolean): void {
    this.watched.add(entry);
    if (needsTable) this.needsTable++;
    this.timer ??= setInterval(() => this.tick(), SAMPLE_MS).unref();
  },
  remove(entry: Watched, needsTable: boolean): void {
    if (!this.watched.delete(entry)) return;
    if (needsTable) this.needsTable--;
    if (this.watched.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  },
  tick(): void {
    const table = this.needsTable > 0 ? readProcessTable() : undefined;
    for (const entry of [...this.watched]) entry.check(table);
  },
};

class SampledConfinement implements Confinement, Watched {
  readonly method = "sampling";
  private over: LimitKind | undefined;
  private peak = 0;

  constructor(
    private readonly root: number,
    private readonly limits: ResourceLimits,
    private readonly options: ConfineOptions,
  ) {
    sampler.add(this, true);
  }

  check(table: readonly ProcessEntry[] | undefined): void {
    if (!table || this.over) return;
    const members = membersOf(table, this.root, this.options.uid);
    const memory = members.reduce((sum, entry) => sum + entry.memoryBytes, 0);
    this.peak = Math.max(this.peak, memory);
    let over: LimitKind | undefined;
    if (memory > this.limits.memoryBytes) over = "memory";
    else if (this.limits.cpuMs !== undefined) {
      const cpu = members.reduce((sum, entry) => sum + cpuMsOf(entry.pid), 0);
      if (cpu > this.limits.cpuMs) over = "cpu";
    }
    if (!over) return;
    this.over = over;
    sampler.remove(this, true);
    for (const entry of members) killQuietly(entry.pid);
    this.options.onExceeded?.(over);
  }

  exceeded(): LimitKind | undefined {
    return this.over;
  }

  peakBytes(): number | undefined {
    return this.peak;
  }

  async end(): Promise<void> {
    sampler.remove(this, true);
    // Root has exited: its descendants are no longer found through it. The caller reaps by marker and uid.
  }
}

class CgroupConfinement implements Confinement, Watched {
  readonly method = "cgroup";
  private over: LimitKind | undefined;

  constructor(
    private readonly cgroup: RunCgroup,
    private readonly limits: ResourceLimits,
    private readonly options: ConfineOptions,
  ) {
    // The kernel enforces memory; only a CPU limit needs looking at.
    if (limits.cpuMs !== undefined) sampler.add(this, false);
  }

  check(): void {
    if (this.over || this.limits.cpuMs === undefined) return;
    if (this.cgroup.cpuMs() <= this.limits.cpuMs) return;
    this.over = "cpu";
    sampler.remove(this, false);
    this.cgroup.kill();
    this.options.onExceeded?.("cpu");
  }

  exceeded(): LimitKind | undefined {
    if (!this.over && this.cgroup.hitMemoryLimit()) this.over = "memory";
    return this.over;
  }

  peakBytes(): number | undefined {
    return this.cgroup.peakBytes();
  }

  async end(backstopMs = DEFAULT_BACKSTOP_MS): Promise<void> {
    sampler.remove(this, false);
    // Read before the processes go: the kernel's record stays, but the caller asks afterwards.
    this.exceeded();
    const deadline = performance.now() + backstopMs;
    while (this.cgroup.populated() && performance.now() < deadline) {
      this.cgroup.kill();
      await new Promise((resolve) => setTimeout(resolve, END_POLL_MS));
    }
    this.cgroup.remove();
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // gone already
  }
}
