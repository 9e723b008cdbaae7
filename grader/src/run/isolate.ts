/**
 * Runs one test file in its own vitest process, in its own process group, under a hard wall-clock limit.
 *
 * vitest cannot stop a synchronous hang (`while (true) {}`, Atomics.wait on the test thread): its timeouts
 * are timers inside the very thread that is stuck. Only killing the whole process group from outside
 * works, and a leaked child process may hold our pipes open, so we wait for the process to exit, never for
 * its output to close.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { repoRoot, scratchDir } from "../paths.ts";
import { type ReplayCase, replayRun } from "../replay.ts";
import { type Target, targetToEnv } from "../target.ts";
import { RUN_ENV } from "../vitest/env.ts";
import { DEFAULT_RUN_MEMORY_MIB, mebibytes } from "./caps.ts";
import { confine } from "./limits.ts";
import { unreadableNode } from "./node-binary.ts";
import { signalGroup } from "./process-group.ts";
import { newRunMarker, RUN_MARKER_ENV, reapRun } from "./reap.ts";
import type { IsolatedRunLike, RunResults } from "./results.ts";
import {
  allocateId,
  handOver,
  SANDBOX_ENV,
  type SandboxKind,
  type SandboxSpec,
  usableSeccompFilter,
} from "./sandbox.ts";

export interface IsolatedRunOptions {
  /** Absolute paths of the test files (one, when grading). */
  readonly testFiles: readonly string[];
  readonly target: Target;
  /** fast-check seed; undefined for a random one. */
  readonly seed?: number;
  readonly timeoutMs: number;
  /** Per-test limit; vitest's configured default (TEST_TIMEOUT_MS) when omitted. */
  readonly testTimeoutMs?: number;
  /** A fresh folder for this run's files (results, current test). */
  readonly workDir: string;
  /** Full names of tests to skip (a re-run after a hang). */
  readonly skip?: readonly string[];
  /** Extra vitest CLI arguments (e.g. coverage). */
  readonly vitestArgs?: readonly string[];
  /** Where the test process runs; "none" when omitted. */
  readonly sandbox?: SandboxKind;
  /** For "unprivileged user": the submission's group, which may read its private copy (sandbox.ts). */
  readonly gid?: number;
  /** Replay one recorded failure, as `npm test -- <exercise> --replay <token>` does (replay.ts). */
  readonly replay?: ReplayCase;
  /** Load learner code unconfined: only for trusted solutions (coverage, the confinement bench). */
  readonly unconfined?: boolean;
  /** Memory the whole run may hold (every process of it), in MiB; the course's default when omitted. */
  readonly memoryMiB?: number;
}

export type IsolatedRun = IsolatedRunLike;

const vitestEntry = path.join(repoRoot, "node_modules", "vitest", "vitest.mjs");
export const gradeConfig = path.join(repoRoot, "grader", "vitest.grade.config.ts");
const OUTPUT_TAIL_BYTES = 16 * 1024;

/** Only what a test run needs: no tokens or secrets from the grader's environment reach learner code. */
function runEnvironment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const keep = ["PATH", "HOME", "TMPDIR", "TEMP", "TMP", "LANG", "LC_ALL", "SystemRoot", "CI"];
  const env: NodeJS.ProcessEnv = { NO_COLOR: "1", FORCE_COLOR: "0" };
  for (const key of keep) if (process.env[key] !== undefined) env[key] = process.env[key];
  return { ...env, ...extra };
}

export function runIsolated(options: IsolatedRunOptions): Promise<IsolatedRun> {
  const { workDir } = options;
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  // Written by vitest's main process, outside the sandbox: the code under test cannot reach it.
  const resultsFile = path.join(workDir, "results.json");
  // The one folder the test process may write: hints, never trusted for a score.
  const scratch = path.join(workDir, "fork");
  mkdirSync(path.join(scratch, "tmp"), { recursive: true });
  const currentTestFile = path.join(scratch, "current-test.txt");
  const hungFile = path.join(scratch, "hung-test.txt");

  // The hints' files exist before the run: under bubblewrap only they are writable (sandbox.ts).
  for (const file of [currentTestFile, hungFile]) writeFileSync(file, "");

  const kind = options.sandbox ?? "none";
  const seccomp = kind === "bubblewrap" ? usableSeccompFilter(scratchDir) : undefined;
  const spec: SandboxSpec = {
    kind,
    courseRoot: repoRoot,
    submission: options.target.root,
    scratch,
    scratchFiles: [currentTestFile, hungFile],
    ...(kind !== "none" ? { node: unreadableNode() } : {}),
    ...(seccomp !== undefined ? { seccomp } : {}),
    ...(kind === "unprivileged user"
      ? (() => {
          const uid = allocateId();
          return { uid, gid: options.gid ?? uid };
        })()
      : {}),
  };
  if (spec.uid !== undefined && spec.gid !== undefined) {
    handOver(scratch, { uid: spec.uid, gid: spec.gid }, "private");
  }

  const marker = newRunMarker();
  const replay = options.replay ? replayRun(options.replay) : undefined;
  const env = runEnvironment({
    [RUN_MARKER_ENV]: marker,
    ...targetToEnv(options.target),
    [RUN_ENV.results]: resultsFile,
    [RUN_ENV.currentTest]: currentTestFile,
    [RUN_ENV.hung]: hungFile,
    // The in-process watchdog stops a blocked test just before the hard limit, so the run still
    // reports the tests that finished; the hard limit stays for hangs outside any test.
    [RUN_ENV.watchdog]: String(Math.max(1_000, options.timeoutMs - 1_500)),
    [RUN_ENV.deadline]: String(Date.now() + Math.max(1_000, options.timeoutMs - 1_500)),
    [RUN_ENV.grading]: "1",
    ...(options.unconfined ? { [RUN_ENV.unconfined]: "1" } : {}),
    ...(options.testTimeoutMs !== undefined ? { [RUN_ENV.testTimeout]: String(options.testTimeoutMs) } : {}),
    [RUN_ENV.skip]: JSON.stringify(options.skip ?? []),
    ...(options.seed !== undefined ? { [RUN_ENV.seed]: String(options.seed) } : {}),
    ...replay?.env,
    ...(kind !== "none" ? { [SANDBOX_ENV]: JSON.stringify(spec) } : {}),
    // Inside bubblewrap /tmp is the run's own; elsewhere give the test process a folder of its own.
    ...(kind === "bubblewrap" ? { TMPDIR: "/tmp", HOME: "/tmp" } : {}),
    ...(kind === "unprivileged user"
      ? { TMPDIR: path.join(scratch, "tmp"), HOME: path.join(scratch, "tmp") }
      : {}),
  });
  const args = [
    "--max-old-space-size=512",
    vitestEntry,
    "run",
    // Absolute paths: vitest's file filters match substrings, so "ex1" would also run "ex10".
    ...options.testFiles,
    "--config",
    gradeConfig,
    ...(options.vitestArgs ?? []),
    ...(replay?.vitestArgs ?? []),
  ];

  const memoryMiB = options.memoryMiB ?? DEFAULT_RUN_MEMORY_MIB;
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: repoRoot,
      env,
      detached: true, // its own process group, so we can kill everything it started
      stdio: ["ignore", "pipe", "pipe"],
    });
    // At once: vitest's main process starts nothing for a while, so everything it starts is inside.
    const confinement =
      child.pid === undefined
        ? undefined
        : confine(
            child.pid,
            { memoryBytes: mebibytes(memoryMiB) },
            {
              ...(spec.uid !== undefined ? { uid: spec.uid } : {}),
              onExceeded: () => signalGroup(child.pid),
            },
          );
    let tail = "";
    const keepTail = (chunk: Buffer) => {
      tail = (tail + chunk.toString("utf8")).slice(-OUTPUT_TAIL_BYTES);
    };
    child.stdout.on("data", keepTail);
    child.stderr.on("data", keepTail);

    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      signalGroup(child.pid);
    }, options.timeoutMs);

    let finished = false;
    const finish = async (exitCode: number | null, signal: NodeJS.Signals | null) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      signalGroup(child.pid); // reap anything the run left behind (leaked workers, child processes)
      child.stdout.destroy();
      child.stderr.destroy();
      // Everything in the run's cgroup, then what escaped the group (detached children) by marker and
      // uid: the run is over once they are gone, not when they were signalled.
      await confinement?.end();
      await reapRun(marker, spec.uid !== undefined ? { uid: spec.uid } : {});
      const overMemory = confinement?.exceeded() === "memory";
      const [hung, hangKind] = readHung(hungFile);
      // vitest's main process ends by itself, with 0 or 1. Killed any other way (its own code never
      // is), whatever it wrote is not evidence.
      const endedByItself = !timedOut && !overMemory && signal === null && (exitCode === 0 || exitCode === 1);
      resolve({
        results: endedByItself ? readResults(resultsFile) : null,
        timedOut: !overMemory && (timedOut || hung !== undefined),
        exitCode,
        signal,
        durationMs: Math.round(performance.now() - started),
        runningTest: hung ?? readRunningTest(currentTestFile),
        ...(hangKind ? { hangKind } : {}),
        ...(overMemory ? { overLimit: { resource: "memory" as const, limitMiB: memoryMiB } } : {}),
        outputTail: tail,
      });
    };
    child.once("exit", (code, signal) => void finish(code, signal));
    child.once("error", (error) => {
      tail += `\n${error.message}`;
      void finish(null, null);
    });
  });
}

function readResults(file: string): RunResults | null {
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as RunResults;
  } catch {
    return null;
  }
}

/** The watchdog's note: the test that hung, and how (spinning or blocked). */
function readHung(file: string): [string | undefined, string | undefined] {
  if (!existsSync(file)) return [undefined, undefined];
  const [name, how] = readFileSync(file, "utf8").split("\n");
  return [name?.trim() || undefined, how?.trim().slice(0, 200) || undefined];
}

function readRunningTest(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  const name = readFileSync(file, "utf8").trim();
  return name === "" ? undefined : name;
}
