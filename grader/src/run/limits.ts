/**
 * Resource limits on a tree of processes (one exercise's run, or one type-check): memory, and optionally
 * CPU time. Where the machine offers a cgroup v2 with the memory controller the kernel enforces the
 * memory limit (cgroup.ts); elsewhere one sampler reads /proc every SAMPLE_MS for every limited tree at
 * once and kills a tree that went past its limit. Sampling can overshoot by what a process allocates
 * between two samples; it is a safety net for the machine, not an exact measure.
 */
import { RunCgroup } from "./cgroup.ts";
import {
  CHILDREN_AVAILABLE,
  cpuMsOf,
  membersOf,
  PROC_AVAILABLE,
  type ProcessEntry,
  readEntry,
  readProcessTable,
  treePids,
} from "./proc-table.ts";

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

/** How often the sampler looks. */
export const SAMPLE_MS = 100;
/**
 * A tree is followed through /proc's lists of children, which costs reads of its own processes only.
 * Processes of a run's own uid that left the tree (a double fork) are found by a full scan of /proc, which
 * costs about 12 µs for every process on the machine: once a second, not every sample.
 */
const FULL_SCAN_EVERY = 10;
/** Tasks (threads included) a run may have at once where cgroups count them: room for many workers. */
const MAX_TASKS = 4096;
const END_POLL_MS = 20;
const DEFAULT_BACKSTOP_MS = 10_000;

export interface ConfineOptions {
  /** The uid the tree's processes run as, when it is theirs alone ("unprivileged user" mode). */
  readonly uid?: number;
  /** Called once when a limit is passed; the tree is being ended. */
  readonly onExceeded?: (kind: LimitKind) => void;
  /** Sample even where a cgroup could be used: the fallback, tested on machines that have cgroups. */
  readonly sampleOnly?: boolean;
}

/**
 * Put the process tree rooted at `pid`, spawned a moment ago, under `limits`. Call it before the process
 * can have started another: a child started before is outside a cgroup (not outside sampling).
 */
export function confine(pid: number, limits: ResourceLimits, options: ConfineOptions = {}): Confinement {
  const cgroup = options.sampleOnly ? undefined : RunCgroup.create(limits.memoryBytes, MAX_TASKS);
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
  /** `table` reads every process of the machine, once per sample however many ask. */
  check(sample: number, table: () => readonly ProcessEntry[]): void;
}

/** One timer for every confinement that needs looking at; it never keeps the grader alive by itself. */
const sampler = {
  watched: new Set<Watched>(),
  timer: undefined as NodeJS.Timeout | undefined,
  samples: 0,
  add(entry: Watched): void {
    this.watched.add(entry);
    this.timer ??= setInterval(() => this.tick(), SAMPLE_MS).unref();
  },
  remove(entry: Watched): void {
    if (!this.watched.delete(entry)) return;
    if (this.watched.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  },
  tick(): void {
    const sample = this.samples++;
    let table: readonly ProcessEntry[] | undefined;
    const read = () => {
      table ??= readProcessTable();
      return table;
    };
    for (const entry of [...this.watched]) entry.check(sample, read);
  },
};

class SampledConfinement implements Confinement, Watched {
  readonly method = "sampling";
  private over: LimitKind | undefined;
  private peak = 0;
  /** Processes of the run's uid found outside the tree by the last full scan, followed like the root. */
  private strays: number[] = [];

  constructor(
    private readonly root: number,
    private readonly limits: ResourceLimits,
    private readonly options: ConfineOptions,
  ) {
    sampler.add(this);
  }

  private members(sample: number, table: () => readonly ProcessEntry[]): ProcessEntry[] {
    const uid = this.options.uid;
    if (!CHILDREN_AVAILABLE || (uid !== undefined && sample % FULL_SCAN_EVERY === 0)) {
      const found = membersOf(table(), this.root, uid);
      if (uid !== undefined) this.strays = found.filter((e) => e.uid === uid).map((e) => e.pid);
      return found;
    }
    return treePids([this.root, ...this.strays])
      .map((pid) => readEntry(pid))
      .filter((entry): entry is ProcessEntry => entry !== undefined);
  }

  check(sample: number, table: () => readonly ProcessEntry[]): void {
    if (this.over) return;
    const members = this.members(sample, table);
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
    sampler.remove(this);
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
    sampler.remove(this);
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
    if (limits.cpuMs !== undefined) sampler.add(this);
  }

  check(): void {
    if (this.over || this.limits.cpuMs === undefined) return;
    if (this.cgroup.cpuMs() <= this.limits.cpuMs) return;
    this.over = "cpu";
    sampler.remove(this);
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
    sampler.remove(this);
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
