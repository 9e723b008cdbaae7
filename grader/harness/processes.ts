/**
 * Child processes for tests: TypeScript entry points, each in its own process group, tracked so the test
 * setup kills whatever a test left running, grandchildren included (see resources.ts).
 *
 * POSIX only, like the grader's own isolation (run/isolate.ts): it relies on process groups.
 */
import { type ChildProcess, fork } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { signalGroup } from "../src/run/process-group.ts";
import { withDeadline } from "./deadline.ts";
import { track } from "./resources.ts";

// By absolute URL: `--import tsx` would resolve "tsx" from the child's working directory.
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/** How long ending a group waits for the killed child's 'exit' before giving up on it. */
const KILL_WAIT_MS = 2_000;

export interface ForkTsOptions {
  /** IPC encoding: "advanced" also carries Map, Set, BigInt, typed arrays (never a SharedArrayBuffer). */
  readonly serialization?: "json" | "advanced";
  /**
   * "pipe" (default): child.stdin, child.stdout and child.stderr are pipes to the test; read what the
   * child writes, or a child that writes more than a pipe holds (64 KB) blocks. "ignore": /dev/null.
   * Never inherited: a child writing to the test's own output would bypass the grader's output cap.
   */
  readonly stdio?: "pipe" | "ignore";
}

export interface ExitStatus {
  /** The exit code, or null when a signal ended the process. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Groups whose leader has not exited yet, killed if the test process exits without a cleanup. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

/**
 * Fork a Node child running `entry`, a .ts or .js module (a file path, relative to the working directory,
 * or a file: URL), with `args` as its process.argv.slice(2), and an IPC channel (child.send / 'message').
 *
 * The child leads a new process group, so ending it also ends every process it started; its execArgv
 * loads tsx, and fork() passes that on, so the child can itself fork TypeScript modules. It is tracked
 * until its 'exit'; ending it sends SIGKILL to the whole group, since a child under test may ignore
 * SIGTERM. When the child exits, whatever is left in its group is killed too: nothing a test's child
 * started may outlive it (tsx's own esbuild service would otherwise linger there as well).
 */
export function forkTs(
  entry: string | URL,
  args: readonly string[] = [],
  options: ForkTsOptions = {},
): ChildProcess {
  const file = typeof entry === "string" ? path.resolve(entry) : fileURLToPath(entry);
  const io = options.stdio ?? "pipe";
  const child = fork(file, [...args], {
    execArgv: ["--import", tsxLoader],
    detached: true,
    serialization: options.serialization ?? "json",
    stdio: [io, io, io, "ipc"],
  });
  trackGroup(child, path.basename(file));
  return child;
}

/**
 * Track a detached child (the leader of its own process group) until it exits: a test that forgets it gets
 * its whole group killed and reported, and when the leader exits whatever is left in its group is killed
 * too. Every harness helper and given runtime that forks a detached child hands it here.
 */
export function trackGroup(child: ChildProcess, name: string): void {
  const pgid = child.pid;
  // No pid: the spawn failed, child emits 'error', and nothing runs that could leak.
  if (pgid === undefined) return;
  installExitHook();
  liveGroups.add(pgid);
  const forget = track({
    description: `child process ${name} (pid ${pgid})`,
    alive: () => !hasExited(child),
    end: async () => {
      signalGroup(pgid, "SIGKILL");
      await waitForExit(child, KILL_WAIT_MS);
    },
  });
  // Registered first, so the rest of the group is already signalled when a test's 'exit' listener runs.
  child.once("exit", () => {
    signalGroup(pgid, "SIGKILL");
    liveGroups.delete(pgid);
    forget();
  });
}

/**
 * Resolve with the child's exit code and signal once it exits, or reject after `timeoutMs`. Waits for
 * 'exit', never 'close': 'close' waits for the child's pipes, which a grandchild it started may hold open
 * long after the child is gone.
 */
export async function waitForExit(child: ChildProcess, timeoutMs: number): Promise<ExitStatus> {
  if (hasExited(child)) return { code: child.exitCode, signal: child.signalCode };
  let stopListening = () => {};
  const exited = new Promise<ExitStatus>((resolve) => {
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => resolve({ code, signal });
    child.once("exit", onExit);
    stopListening = () => child.off("exit", onExit);
  });
  try {
    return await withDeadline(exited, timeoutMs, `child process ${child.pid}`);
  } finally {
    stopListening();
  }
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/**
 * Without the course's test setup nobody calls cleanupTracked, and a detached group would outlive the test
 * process: it left the process group that the grader kills. Exit handlers must be synchronous; kill is.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const pgid of liveGroups) signalGroup(pgid, "SIGKILL");
  });
}
