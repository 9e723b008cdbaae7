/**
 * Where learner code runs. The process that runs a test file (vitest's "fork") is the only one that
 * executes learner code; vitest's main process, our reporter and the grader stay outside. This module
 * decides which protection is available and builds the command that starts a fork inside it:
 *
 * - "bubblewrap" (Linux): the fork sees the system read-only, the course's trusted files and
 *   node_modules read-only, its own read-only copy of the learner's files, a private /tmp and one small
 *   writable folder for hints to the grader. No solutions/, no mutants, no other submission, no results
 *   file, no home folder. No network (its own loopback only), its own pid namespace (nothing outside to
 *   signal), and everything in it dies with the run.
 * - "unprivileged user" (root without user namespaces, e.g. in a Docker container such as Gradescope's):
 *   the fork runs as a uid of its own that can write nothing of the course's and signal nothing of ours.
 * - "none" (a learner's own machine, or --no-sandbox): a plain child process, for self-checks only.
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

export const SANDBOX_KINDS = ["bubblewrap", "unprivileged user", "none"] as const;
export type SandboxKind = (typeof SANDBOX_KINDS)[number];

/** What one fork may see, passed from the grader to vitest's main process (see vitest/pool.ts). */
export interface SandboxSpec {
  readonly kind: SandboxKind;
  /** The course checkout whose trusted files and node_modules the fork uses, read-only. */
  readonly courseRoot: string;
  /** The learner's files for this run (a private copy), read-only. */
  readonly submission: string;
  /** The one folder the fork may write outside its /tmp: hints such as the name of a test that hung. */
  readonly scratch: string;
  /** For "unprivileged user": the uid the fork runs as, and its submission's group. */
  readonly uid?: number;
  readonly gid?: number;
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
/** Size of the fork's private /tmp (memory-backed). */
const TMP_BYTES = 512 * 1024 * 1024;

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
    "--dev",
    "/dev",
    "--proc",
    "/proc",
    "--size",
    String(TMP_BYTES),
    "--tmpfs",
    "/tmp",
  ];
  for (const part of [...SYSTEM_PARTS, ...ETC_PARTS]) args.push(...bindOrLink(part));
  // Node itself may live outside /usr (nvm, a registry download): bind its installation.
  const node = realpathSync(nodePath);
  const prefix = path.dirname(path.dirname(node));
  if (!SYSTEM_PARTS.some((part) => isWithin(part, prefix))) args.push("--ro-bind", prefix, prefix);
  for (const part of COURSE_PARTS) {
    const absolute = path.join(spec.courseRoot, part);
    if (!existsSync(absolute)) continue;
    args.push("--ro-bind", absolute, absolute);
    // Node resolves modules to their real paths: a symlinked node_modules must be there too.
    const real = realpathSync(absolute);
    if (real !== absolute) args.push("--ro-bind", real, real);
  }
  for (const part of HIDDEN_COURSE_PARTS) {
    const absolute = path.join(spec.courseRoot, part);
    if (existsSync(absolute)) args.push("--tmpfs", absolute);
  }
  args.push("--ro-bind", spec.submission, spec.submission);
  args.push("--bind", spec.scratch, spec.scratch);
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
    case "bubblewrap":
      return { command: "bwrap", args: [...bubblewrapArgs(spec, command), "--", command, ...args] };
    case "unprivileged user":
      return {
        command,
        args,
        ...(spec.uid !== undefined ? { uid: spec.uid } : {}),
        ...(spec.gid !== undefined ? { gid: spec.gid } : {}),
      };
    case "none":
      return { command, args };
  }
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
