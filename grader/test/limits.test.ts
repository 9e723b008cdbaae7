/**
 * Resource limits on process trees (run/limits.ts): the memory cap of a run and the CPU and memory limits
 * of a type-check, enforced by a cgroup v2 where the machine offers one and by sampling /proc elsewhere.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { formatMiB } from "../src/run/caps.ts";
import { candidateParents, cgroup2Mounts, cgroupParent, ownCgroupPath } from "../src/run/cgroup.ts";
import { confine } from "../src/run/limits.ts";
import { membersOf, PROC_AVAILABLE, type ProcessEntry } from "../src/run/proc-table.ts";
import { exists } from "./support.ts";

const MiB = 1024 * 1024;

describe("a run's processes", () => {
  const entry = (pid: number, ppid: number, uid = 0, memoryBytes = 0): ProcessEntry => ({
    pid,
    ppid,
    uid,
    memoryBytes,
  });
  const table = [entry(1, 0), entry(10, 1), entry(11, 10), entry(12, 11), entry(20, 1), entry(30, 1, 61_001)];

  it("are the root and its descendants", () => {
    expect(
      membersOf(table, 10)
        .map((e) => e.pid)
        .sort(),
    ).toEqual([10, 11, 12]);
  });

  it("include what runs as the run's own uid, even outside the tree, with its children", () => {
    const withChild = [...table, entry(31, 30, 61_001), entry(32, 30)];
    expect(
      membersOf(withChild, 10, 61_001)
        .map((e) => e.pid)
        .sort((a, b) => a - b),
    ).toEqual([10, 11, 12, 30, 31, 32]);
  });

  it("are none once the root is gone and no uid is theirs", () => {
    expect(membersOf(table, 99)).toEqual([]);
  });
});

describe("finding a cgroup v2 to create runs' cgroups in", () => {
  const mountinfo = [
    "31 25 0:27 / /sys/fs/cgroup/memory rw,relatime shared:10 - cgroup cgroup rw,memory",
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw",
    "42 31 0:39 /docker/abc /mnt/with\\040space rw - cgroup2 cgroup2 rw",
  ].join("\n");

  it("reads cgroup2 mounts from mountinfo, v1 hierarchies left out", () => {
    expect(cgroup2Mounts(mountinfo)).toEqual([
      { root: "/", mountPoint: "/sys/fs/cgroup/unified" },
      { root: "/docker/abc", mountPoint: "/mnt/with space" },
    ]);
  });

  it("reads this process's cgroup v2 path", () => {
    expect(ownCgroupPath("4:memory:/x\n0::/system.slice/runner.service\n")).toBe(
      "/system.slice/runner.service",
    );
    expect(ownCgroupPath("4:memory:/x\n")).toBeUndefined();
  });

  it("looks beside our own cgroup first, never in it (it holds processes), and up to the mount", () => {
    const mount = { root: "/", mountPoint: "/sys/fs/cgroup" };
    expect(candidateParents(mount, "/system.slice/runner.service")).toEqual([
      "/sys/fs/cgroup/system.slice",
      "/sys/fs/cgroup",
    ]);
  });

  it("may use the hierarchy's root when we are in it, and nothing outside the mount", () => {
    expect(candidateParents({ root: "/", mountPoint: "/sys/fs/cgroup/unified" }, "/")).toEqual([
      "/sys/fs/cgroup/unified",
    ]);
    expect(candidateParents({ root: "/docker/abc", mountPoint: "/mnt/c" }, "/elsewhere")).toEqual([]);
  });
});

/** A node process that takes `mib` of memory it really touches, then waits (a backstop ends it). */
function hoarder(mib: number): ChildProcess {
  return spawn(
    process.execPath,
    [
      "-e",
      `const keep = []; for (let i = 0; i < ${mib / 16}; i++) keep.push(new Uint8Array(16 << 20).fill(1));
       setTimeout(() => {}, 120000);`,
    ],
    { stdio: "ignore" },
  );
}

function exited(child: ChildProcess): Promise<NodeJS.Signals | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.signalCode);
    else child.once("exit", (_, signal) => resolve(signal));
  });
}

const detected = cgroupParent() === undefined ? "sampling" : "cgroup";

describe
  .runIf(PROC_AVAILABLE)
  .each([
    { method: detected, sampleOnly: false },
    ...(detected === "cgroup" ? [{ method: "sampling", sampleOnly: true }] : []),
  ])("limits on a process tree ($method)", ({ method, sampleOnly }) => {
  it("end a tree that holds more memory than its cap", async () => {
    const child = hoarder(512);
    let told: string | undefined;
    const confinement = confine(
      child.pid!,
      { memoryBytes: 128 * MiB },
      { sampleOnly, onExceeded: (kind) => (told = kind) },
    );
    expect(confinement.method).toBe(method);
    expect(await exited(child)).toBe("SIGKILL");
    await confinement.end();
    expect(confinement.exceeded()).toBe("memory");
    // The kernel ends a cgroup's processes itself; the sampler says so.
    if (method === "sampling") expect(told).toBe("memory");
    expect(exists(child.pid!)).toBe(false);
  });

  it("leave a tree under its cap alone", async () => {
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 1500)"], { stdio: "ignore" });
    const confinement = confine(child.pid!, { memoryBytes: 512 * MiB }, { sampleOnly });
    expect(await exited(child)).toBeNull();
    await confinement.end();
    expect(confinement.exceeded()).toBeUndefined();
  });

  it("end a tree that uses more CPU time than its limit, counting its children", async () => {
    // The parent only waits; its child spins.
    const child = spawn(
      process.execPath,
      [
        "-e",
        `require("child_process").spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" });
         setTimeout(() => {}, 120000);`,
      ],
      { stdio: "ignore" },
    );
    const confinement = confine(child.pid!, { memoryBytes: 512 * MiB, cpuMs: 500 }, { sampleOnly });
    expect(await exited(child)).toBe("SIGKILL");
    await confinement.end();
    expect(confinement.exceeded()).toBe("cpu");
  });
});

describe("naming a limit", () => {
  it("in MiB below a GiB, in GiB from there", () => {
    expect(formatMiB(512)).toBe("512 MiB");
    expect(formatMiB(1024)).toBe("1 GiB");
    expect(formatMiB(1536)).toBe("1.5 GiB");
  });
});
