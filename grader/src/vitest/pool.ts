/**
 * A vitest pool whose test processes start inside the grader's sandbox (run/sandbox.ts).
 *
 * vitest's own "forks" pool forks its worker entry point with Node's IPC; this pool does the same
 * through `bwrap` (or as an unprivileged user), so only the process that runs learner code is inside.
 * vitest's main process, which collects results, and our reporter stay outside: learner code cannot see
 * them, kill them, or write the results file, which is not even in its view of the file system.
 */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import type { PoolOptions, PoolRunnerInitializer, PoolWorker } from "vitest/node";
import { SANDBOX_ENV, type SandboxSpec, sandboxedCommand } from "../run/sandbox.ts";

export const SANDBOX_POOL = "course-sandbox";

/** vitest's grace period between SIGTERM and SIGKILL when it stops a worker. */
const KILL_AFTER_MS = 500;

type Listener = (arg: unknown) => void;

class SandboxedFork implements PoolWorker {
  readonly name = SANDBOX_POOL;
  // vitest main may hand over transformed modules as files in its own temp folder, which the sandbox
  // does not show: send them over IPC instead.
  readonly cacheFs = false;
  private child: ChildProcess | undefined;
  private readonly entrypoint: string;
  private readonly stdout: NodeJS.WritableStream;
  private readonly stderr: NodeJS.WritableStream;

  constructor(
    private readonly options: PoolOptions,
    private readonly spec: SandboxSpec,
  ) {
    this.entrypoint = path.resolve(options.distPath, "workers/forks.js");
    this.stdout = options.project.vitest.logger.outputStream;
    this.stderr = options.project.vitest.logger.errorStream;
  }

  private get process(): ChildProcess {
    if (!this.child) throw new Error("the sandboxed test process is not running");
    return this.child;
  }

  on(event: string, callback: Listener): void {
    this.process.on(event, callback);
  }

  off(event: string, callback: Listener): void {
    this.process.off(event, callback);
  }

  send(message: unknown): void {
    this.process.send(message as Parameters<ChildProcess["send"]>[0]);
  }

  deserialize(data: unknown): unknown {
    return data;
  }

  async start(): Promise<void> {
    if (this.child) return;
    const { command, args, uid, gid } = sandboxedCommand(this.spec, [
      process.execPath,
      ...this.options.execArgv,
      this.entrypoint,
    ]);
    const child = spawn(command, args, {
      env: this.options.env as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      serialization: "advanced",
      ...(uid !== undefined ? { uid } : {}),
      ...(gid !== undefined ? { gid } : {}),
    });
    child.stdout?.pipe(this.stdout, { end: false });
    child.stderr?.pipe(this.stderr, { end: false });
    this.child = child;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once("exit", () => resolve());
    });
    // Learner code may ignore SIGTERM; bwrap's --die-with-parent then takes the sandbox down with it.
    const force = setTimeout(() => child.kill("SIGKILL"), KILL_AFTER_MS);
    child.kill();
    await exited;
    clearTimeout(force);
    child.stdout?.unpipe(this.stdout);
    child.stderr?.unpipe(this.stderr);
    this.child = undefined;
  }
}

/** The pool for a sandbox spec found in the environment, or undefined to use vitest's own forks. */
export function sandboxPoolFromEnv(env: NodeJS.ProcessEnv = process.env): PoolRunnerInitializer | undefined {
  const raw = env[SANDBOX_ENV];
  if (!raw) return undefined;
  const spec = JSON.parse(raw) as SandboxSpec;
  return {
    name: SANDBOX_POOL,
    createPoolWorker: (options) => new SandboxedFork(options, spec),
  };
}
