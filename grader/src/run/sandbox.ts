/**
 * Where learner code runs. The process that runs a test file (vitest's "fork") is the only one that
 * executes learner code; vitest's main process, our reporter and the grader stay outside. This module
 * decides which protection is available and builds the command that starts a fork inside it:
 *
 * - "bubblewrap" (Linux): the fork sees the system read-only, the course's trusted files and
 *   node_modules read-only, its own read-only copy of the learner's files, a private /tmp and /dev/shm of
 *   bounded size, and two files it may write, hints to the grader. Everything else is read-only, "/"
 *   included. No solutions/, no mutants (an empty read-only folder), no other submission, no results
 *   file, no home folder. No network (its own loopback only), its own pid namespace (nothing outside to
 *   signal), and everything in it dies with the run.
 * - "unprivileged user" (root without user namespaces, e.g. in a Docker container such as Gradescope's):
 *   the fork runs as a uid of its own that can write nothing of the course's and signal nothing of ours.
 * - "none" (a learner's own machine, or --no-sandbox): a plain child process, for self-checks only.
 *
 * In both sandboxes, the processes in it cannot reach into each other (see node-binary.ts, seccomp.ts,
 * inspector-guard.ts): node runs from a copy nobody may read, so the test process and every node process
 * it starts is non-dumpable; bubblewrap adds a seccomp filter that refuses ptrace and its relatives; a
 * preload keeps SIGUSR1 from opening the inspector; and prlimit caps the size of any file written and
 * turns core dumps off.
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  readdirSync,
  readlinkSync,
  realpathSync,
} from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { seccompFilterFile } from "./seccomp.ts";

export const SANDBOX_KINDS = ["bubblewrap", "unprivileged user", "none"] as const;
export type SandboxKind = (typeof SANDBOX_KINDS)[number];

/** What one fork may see, passed from the grader to vitest's main process (see vitest/pool.ts). */
export interface SandboxSpec {
  readonly kind: SandboxKind;
  /** The course checkout whose trusted files and node_modules the fork uses, read-only. */
  readonly courseRoot: string;
  /** The learner's files for this run (a private copy), read-only. */
  readonly submission: string;
  /**
   * The folder of hints to the grader (the name of the running test, of a test that hung). Under
   * bubblewrap it is read-only, and only `scratchFiles` in it are writable: no new files on the grader's
   * disk. As an unprivileged user it is the fork's own, with its temp folder.
   */
  readonly scratch: string;
  /** Files in `scratch` the fork writes (bubblewrap binds each writable; they must exist). */
  readonly scratchFiles?: readonly string[];
  /** For "unprivileged user": the uid the fork runs as, and its submission's group. */
  readonly uid?: number;
  readonly gid?: number;
  /** The unreadable copy of node run in place of node (node-binary.ts); plain node when omitted. */
  readonly node?: string;
  /** The seccomp filter for bubblewrap, as a file of compiled BPF (seccomp.ts); none when omitted. */
  readonly seccomp?: string;
}

export const SANDBOX_ENV = "COURSE_SANDBOX";

/** Folders of the course a test run needs; everything else in the checkout stays out of sight. */
const COURSE_PARTS = ["node_modules", "grader", "exercises", "package.json", "tsconfig.json"];
/** Inside grader/: known-wrong implementations, which would hand over the reference solution. */
const HIDDEN_COURSE_PARTS = ["grader/mutants"];
/** System folders, read-only. On merged-/usr systems /bin, /lib, … are symlinks and stay symlinks. */
const SYSTEM_PARTS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/opt"];
/** Only what programs need from /etc: the dynamic linker's cache, names of users, time zone. */
const ETC_PARTS = [
  "/etc/ld.so.cache",
  "/etc/ld.so.conf",
  "/etc/ld.so.conf.d",
  "/etc/alternatives",
  "/etc/passwd",
  "/etc/group",
  "/etc/nsswitch.conf",
  "/etc/hosts",
  "/etc/localtime",
];
const MiB = 1024 * 1024;
/**
 * Sizes of the fork's writable memory-backed folders. The tests write kilobytes there (compiled modules,
 * a few small files); a cgroup counts these pages in the run's memory cap, sampling does not, so they
 * are kept small.
 */
const TMP_BYTES = 256 * MiB;
const SHM_BYTES = 64 * MiB;
/** The largest file any process of the fork may write (RLIMIT_FSIZE); past it a write fails with EFBIG. */
const FILE_BYTES = 64 * MiB;
/** Processes (threads included) of the fork's own uid at once ("unprivileged user"): ends a fork bomb. */
const UNPRIVILEGED_TASKS = 2048;
/** The preload that keeps SIGUSR1 from opening the inspector in every node process of the sandbox. */
export const INSPECTOR_GUARD_PRELOAD = fileURLToPath(
  new URL("./inspector-guard-preload.cjs", import.meta.url),
);
const GUARD_NODE_OPTIONS = `--require=${INSPECTOR_GUARD_PRELOAD}`;
/** The descriptor bubblewrap reads the seccomp filter from. */
const SECCOMP_FD = 9;

/** The bwrap arguments that put a fork of `spec` in its sandbox, before the command itself. */
export function bubblewrapArgs(spec: SandboxSpec, nodePath = process.execPath): string[] {
  const args: string[] = [
    // As root, --unshare-all only tries a user namespace; ask for one, so that no capability survives.
    "--unshare-all",
    "--unshare-user",
    "--disable-userns",
    "--die-with-parent",
    "--new-session",
    "--cap-drop",
    "ALL",
    "--hostname",
    "sandbox",
    // bubblewrap's /dev is a tmpfs with no size limit: only its shm folder stays writable, and bounded.
    "--dev",
    "/dev",
    "--size",
    String(SHM_BYTES),
    "--tmpfs",
    "/dev/shm",
    "--remount-ro",
    "/dev",
    "--proc",
    "/proc",
    "--size",
    String(TMP_BYTES),
    "--tmpfs",
    "/tmp",
    "--setenv",
    "NODE_OPTIONS",
    GUARD_NODE_OPTIONS,
  ];
  for (const part of [...SYSTEM_PARTS, ...ETC_PARTS]) args.push(...bindOrLink(part));
  // Node itself may live outside /usr (nvm, a registry download): bind its installation.
  const node = realpathSync(nodePath);
  const prefix = path.dirname(path.dirname(node));
  if (!SYSTEM_PARTS.some((part) => isWithin(part, prefix))) args.push("--ro-bind", prefix, prefix);
  // Every node process in the sandbox runs the unreadable copy, found where node is: non-dumpable.
  if (spec.node !== undefined) args.push("--ro-bind", spec.node, node);
  for (const part of COURSE_PARTS) {
    const absolute = path.join(spec.courseRoot, part);
    if (!existsSync(absolute)) continue;
    args.push("--ro-bind", absolute, absolute);
    // Node resolves modules to their real paths: a symlinked node_modules must be there too.
    const real = realpathSync(absolute);
    if (real !== absolute) args.push("--ro-bind", real, real);
  }
  // An empty folder, read-only: a writable tmpfs there would be room nobody limits.
  for (const part of HIDDEN_COURSE_PARTS) {
    const absolute = path.join(spec.courseRoot, part);
    if (existsSync(absolute)) args.push("--size", "4096", "--tmpfs", absolute, "--remount-ro", absolute);
  }
  args.push("--ro-bind", spec.submission, spec.submission);
  args.push("--ro-bind", spec.scratch, spec.scratch);
  for (const file of spec.scratchFiles ?? []) args.push("--bind", file, file);
  // Last, once every mount point is made: bubblewrap's root is a tmpfs with no size limit.
  args.push("--remount-ro", "/");
  if (spec.seccomp !== undefined) args.push("--seccomp", String(SECCOMP_FD));
  args.push("--chdir", spec.courseRoot);
  return args;
}

function bindOrLink(part: string): string[] {
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(part);
  } catch {
    return [];
  }
  if (stat.isSymbolicLink()) return ["--symlink", readlinkSync(part), part];
  return ["--ro-bind", part, part];
}

function isWithin(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/** The command that starts `argv` (node and its arguments) as a fork of `spec`. */
export function sandboxedCommand(
  spec: SandboxSpec,
  argv: readonly string[],
): { command: string; args: string[]; uid?: number; gid?: number } {
  const [command, ...args] = argv;
  if (command === undefined) throw new Error("sandboxedCommand needs a command");
  switch (spec.kind) {
    case "bubblewrap": {
      const bwrap = [
        ...withResourceLimits(["bwrap"], false),
        ...bubblewrapArgs(spec, command),
        "--",
        command,
        ...args,
      ];
      if (spec.seccomp === undefined) return { command: bwrap[0]!, args: bwrap.slice(1) };
      // bubblewrap reads the filter from a descriptor: the shell opens it, then becomes the command.
      return {
        command: "/bin/sh",
        args: ["-c", `exec "$@" ${SECCOMP_FD}<"$0"`, spec.seccomp, ...bwrap],
      };
    }
    case "unprivileged user": {
      const run = withResourceLimits(
        ["env", `NODE_OPTIONS=${GUARD_NODE_OPTIONS}`, spec.node ?? command, ...args],
        true,
      );
      return {
        command: run[0]!,
        args: run.slice(1),
        ...(spec.uid !== undefined ? { uid: spec.uid } : {}),
        ...(spec.gid !== undefined ? { gid: spec.gid } : {}),
      };
    }
    case "none":
      return { command, args };
  }
}

let prlimitPath: string | null | undefined;

/** util-linux's prlimit on PATH, or null: then files and core dumps go unlimited. */
function findPrlimit(): string | null {
  if (prlimitPath === undefined) {
    const dirs = (process.env.PATH ?? "/usr/bin:/bin").split(path.delimiter);
    prlimitPath = dirs.map((dir) => path.join(dir, "prlimit")).find((file) => existsSync(file)) ?? null;
  }
  return prlimitPath;
}

/**
 * `argv` started under prlimit: no file larger than FILE_BYTES, no core dumps, and for a uid of its own a
 * bound on its processes (under bubblewrap the uid is the grader's, whose other processes count too).
 */
function withResourceLimits(argv: readonly string[], ownUid: boolean): string[] {
  const prlimit = findPrlimit();
  if (prlimit === null) return [...argv];
  return [
    prlimit,
    `--fsize=${FILE_BYTES}:${FILE_BYTES}`,
    "--core=0:0",
    ...(ownUid ? [`--nproc=${UNPRIVILEGED_TASKS}:${UNPRIVILEGED_TASKS}`] : []),
    "--",
    ...argv,
  ];
}

let filterTried: { dir: string; file: string | undefined } | undefined;

/**
 * The seccomp filter file for bubblewrap, once bubblewrap has been seen to load it here (once per
 * process); undefined where it cannot (a kernel without seccomp filters): runs then go without it,
 * protected by the non-dumpable node alone.
 */
export function usableSeccompFilter(dir: string): string | undefined {
  if (filterTried?.dir === dir) return filterTried.file;
  const file = seccompFilterFile(dir);
  const works =
    file !== undefined &&
    spawnSync(
      "/bin/sh",
      [
        "-c",
        `exec "$@" ${SECCOMP_FD}<"$0"`,
        file,
        "bwrap",
        "--ro-bind",
        "/",
        "/",
        "--seccomp",
        String(SECCOMP_FD),
        "--",
        "/bin/sh",
        "-c",
        ":",
      ],
      { timeout: 10_000 },
    ).status === 0;
  filterTried = { dir, file: works ? file : undefined };
  return filterTried.file;
}

let probed: { kind: SandboxKind; reason: string } | undefined;

/**
 * The strongest protection this machine offers, found once per process by trying it. The reason says
 * why a stronger one is not available, for the report and for errors.
 */
export function detectSandbox(): { kind: SandboxKind; reason: string } {
  if (probed) return probed;
  probed = probe();
  return probed;
}

function probe(): { kind: SandboxKind; reason: string } {
  if (process.platform !== "linux") {
    return { kind: "none", reason: `no sandbox on ${process.platform}: grades here are self-checks` };
  }
  const trial = spawnSync(
    "bwrap",
    [
      "--unshare-all",
      "--unshare-user",
      "--disable-userns",
      "--die-with-parent",
      "--ro-bind",
      "/",
      "/",
      "--dev",
      "/dev",
      "--proc",
      "/proc",
      "--",
      realpathSync(process.execPath),
      "-e",
      "",
    ],
    { encoding: "utf8", timeout: 10_000 },
  );
  if (trial.status === 0) return { kind: "bubblewrap", reason: "bubblewrap" };
  const why =
    trial.error && (trial.error as NodeJS.ErrnoException).code === "ENOENT"
      ? "bubblewrap is not installed (apt-get install bubblewrap)"
      : `bubblewrap cannot start here: ${(trial.stderr || String(trial.error ?? "")).trim().split("\n")[0]}` +
        " (on Ubuntu 24.04: sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0)";
  if (typeof process.getuid === "function" && process.getuid() === 0) {
    return { kind: "unprivileged user", reason: `${why}; running learner code as an unprivileged user` };
  }
  return { kind: "none", reason: why };
}

/** For tests: forget what the probe found. */
export function resetSandboxProbe(): void {
  probed = undefined;
}

/** First id of the range that "unprivileged user" mode hands out as uids and gids. */
export const UNPRIVILEGED_ID_BASE = 61_000;
let nextId = 0;

/**
 * A fresh id for the "unprivileged user" mode: each test process runs as a uid of its own (no run can
 * signal another, even of the same learner), in a group of its submission's own (which alone may read
 * that submission's private copy).
 */
export function allocateId(): number {
  return UNPRIVILEGED_ID_BASE + (nextId++ % 8000);
}

/**
 * Give `dir` and everything in it to `owner`: "private" for the owner alone (a run's scratch folder),
 * "group" readable by the owner's group too (a submission's private copy, read by each of its runs).
 */
export function handOver(
  dir: string,
  owner: { uid: number; gid: number },
  access: "private" | "group",
): void {
  const [dirMode, fileMode] = access === "private" ? [0o700, 0o600] : [0o750, 0o640];
  const walk = (entry: string) => {
    chownSync(entry, owner.uid, owner.gid);
    const stat = lstatSync(entry);
    chmodSync(entry, stat.isDirectory() ? dirMode : fileMode);
    if (stat.isDirectory()) for (const name of readdirSync(entry)) walk(path.join(entry, name));
  };
  walk(dir);
}
