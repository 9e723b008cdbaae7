/**
 * Given code for chapter 3 (do not edit: grading always uses the course's own copy).
 *
 * A worker thread or a child process cannot run a TypeScript module by itself (Node 20 cannot load one in a
 * worker at all), and a TypeScript loader in every worker costs a few hundred milliseconds of start-up.
 * So these functions compile a TypeScript module once, with esbuild, into one JavaScript file in the temp
 * folder (cached by content), and start plain workers on it: under `npm test`, under `npx tsx` and when
 * grading alike. They also let the tests see what you started, so a worker you forget is ended (and
 * reported) after the test instead of running on.
 *
 *   startThread(entry, workerData)      a worker_threads Worker running `entry` (.ts or .js)
 *   forkProcess(entry, args, options)   a child_process.fork of `entry`, in a process group of its own
 *   waitForExit(child, timeoutMs)       resolves once the child has exited (its 'exit', never its pipes)
 *   loadableUrl(module)                 the URL of a plain-JavaScript version of `module` that a worker can import()
 *
 * The pool's worker side is given too: poolWorkerEntry, a module that loads a tasks module and runs the
 * tasks it is sent, one request at a time (see pool-worker.ts for its messages).
 *
 * What runs is always the course's choice, never data's: a thread or a process runs a module of the
 * course (a given entry, a tasks module of the tests), and a file of yours (spinner-child.ts) runs in its
 * process confined, as your code does everywhere in this course. Anything else is refused with an error.
 */
import { type ChildProcess, fork } from "node:child_process";
import { createHash } from "node:crypto";
import {
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { buildSync, version as esbuildVersion, stop as stopEsbuild } from "esbuild";
import { trackGroup, waitForExit } from "../../grader/harness/processes.ts";
import { trackWorker } from "../../grader/harness/workers.ts";
import { courseModule, ownerOf, runnableModule, toFile } from "../../grader/src/confine/course-files.ts";
import { learnerModuleRef } from "../../grader/src/confine/module-ref.ts";

export type { ExitStatus } from "../../grader/harness/processes.ts";
export type { PoolReply, PoolRequest, TaskOutcome } from "./pool-worker.ts";
export { waitForExit };

/** The given worker entry of the pool (pool-worker.ts), for startThread and forkProcess. */
export const poolWorkerEntry: URL = new URL("./pool-worker.ts", import.meta.url);

/** Old-generation heap cap of a worker thread: far below the test process's own. */
const WORKER_HEAP_MB = 128;

/** The course's own node_modules, which compiled modules import their packages from. */
const courseModules = fileURLToPath(new URL("../../node_modules", import.meta.url));

/** The temp folder of compiled modules, with a node_modules link so that their package imports resolve. */
function cacheDir(): string {
  // One folder per checkout of the course: each links to its own node_modules.
  const owner = createHash("sha256").update(courseModules).digest("hex").slice(0, 12);
  const dir = path.join(tmpdir(), `course-compiled-${owner}`);
  mkdirSync(dir, { recursive: true });
  const link = path.join(dir, "node_modules");
  try {
    if (realpathSync(link) === realpathSync(courseModules)) return dir;
    rmSync(link, { force: true });
  } catch {
    // no link yet
  }
  try {
    symlinkSync(courseModules, link, "dir");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  return dir;
}

const compiled = new Map<string, { mtimeMs: number; size: number; url: string }>();

/**
 * The file: URL of a plain-JavaScript version of `module` (a path, relative to the working directory, or a
 * file: URL): the module itself when it is JavaScript; for TypeScript, one ES module bundling it with the
 * TypeScript files it imports, compiled once and cached in the temp folder by its content. Inside the
 * compiled module, import.meta.url names the cached file, not the original.
 */
export function loadableUrl(module: string | URL): string {
  const file = runnableModule(module, RUNNABLE, "loadableUrl");
  if (!/\.[cm]?tsx?$/.test(file)) return pathToFileURL(file).href;
  const { mtimeMs, size } = statSync(file);
  const known = compiled.get(file);
  if (known && known.mtimeMs === mtimeMs && known.size === size) return known.url;
  const result = buildSync({
    entryPoints: [file],
    bundle: true,
    write: false,
    format: "esm",
    platform: "node",
    target: "node20",
    // Packages stay imports; the cache folder's node_modules link lets them resolve to the course's.
    packages: "external",
    // Bundled CommonJS code may call require(): give it one.
    banner: {
      js: 'import { createRequire as __courseRequire } from "node:module"; const require = __courseRequire(import.meta.url);',
    },
    metafile: true,
    logLevel: "silent",
  });
  // What the entry loads runs as it does: every file bundled with it must be the course's own too.
  for (const input of Object.keys(result.metafile?.inputs ?? {}))
    courseModule(path.resolve(input), "loadableUrl");
  // esbuild keeps a helper thread and process for its next call; end them, so nothing of ours lingers.
  void stopEsbuild();
  const code = result.outputFiles[0]!.contents;
  const hash = createHash("sha256")
    .update(esbuildVersion)
    .update(file)
    .update(code)
    .digest("hex")
    .slice(0, 20);
  const dir = cacheDir();
  const out = path.join(dir, `${path.basename(file).replace(/\.[^.]+$/, "")}-${hash}.mjs`);
  let cached = false;
  try {
    cached = readFileSync(out).equals(code);
  } catch {
    // not there yet
  }
  if (!cached) {
    // Written aside, then renamed: a parallel run never sees half a file.
    const partial = `${out}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    writeFileSync(partial, code);
    renameSync(partial, out);
  }
  const url = pathToFileURL(out).href;
  compiled.set(file, { mtimeMs, size, url });
  return url;
}

/**
 * Start a worker thread on `entry` (a .ts or .js file: a path or a file: URL). Inside it, `workerData`
 * from node:worker_threads is the value given here. End it with `worker.terminate()`; its 'exit' event
 * says it has ended.
 */
export function startThread(entry: string | URL, workerData?: unknown): Worker {
  runnableModule(entry, RUNNABLE, "startThread");
  const worker = new Worker(new URL(loadableUrl(entry)), {
    workerData,
    execArgv: [],
    resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    name: path.basename(toFile(entry)),
  });
  trackWorker(worker, path.basename(toFile(entry)));
  return worker;
}

export interface ForkProcessOptions {
  /** IPC encoding: "json" (default) or "advanced" (structured clone: Map, Set, BigInt, typed arrays …). */
  readonly serialization?: "json" | "advanced";
  /** "pipe" (default): read child.stdout and child.stderr, or the child blocks once a pipe is full. */
  readonly stdio?: "pipe" | "ignore";
}

/**
 * Fork a Node process on `entry` (a .ts or .js file) with `args` as its process.argv.slice(2) and an IPC
 * channel (child.send, 'message'). It leads a process group of its own, and when it exits, whatever it
 * started is killed too. End it with `child.kill()` (or "SIGKILL"), then `await waitForExit(child, ms)`.
 */
export function forkProcess(
  entry: string | URL,
  args: readonly string[] = [],
  options: ForkProcessOptions = {},
): ChildProcess {
  const io = options.stdio ?? "pipe";
  const owner = ownerOf(entry);
  const name = path.basename(owner.file);
  // A file of yours runs behind the course's child entry, which confines it (grader/src/confine/child.ts).
  const [program, programArgs] =
    owner.owner === "learner"
      ? [fileURLToPath(loadableUrl(childEntry)), [learnerProgramFile(owner.name), ...args]]
      : [fileURLToPath(loadableUrl(runnableModule(entry, RUNNABLE, "forkProcess"))), [...args]];
  const child = fork(program, programArgs.map(String), {
    execArgv: [],
    detached: true,
    serialization: options.serialization === "advanced" ? "advanced" : "json",
    stdio: io === "ignore" ? ["ignore", "ignore", "ignore", "ipc"] : ["pipe", "pipe", "pipe", "ipc"],
  });
  trackGroup(child, name);
  return child;
}

/** The course's entry for a child process that runs a learner file. */
const childEntry = new URL("../../grader/src/confine/child.ts", import.meta.url);

/**
 * The modules threads and processes may run, and loadableUrl may compile: the course's worker entries
 * and the tests' task module (and the chapters' examples, for their own demonstrations). Nothing else,
 * whoever asks: any other module could load whatever its input names.
 */
const RUNNABLE: readonly URL[] = [
  poolWorkerEntry,
  new URL("./queue-pipe-worker.ts", import.meta.url),
  new URL("./lock-worker.ts", import.meta.url),
  new URL("./tasks.ts", import.meta.url),
  childEntry,
];

/** Learner file `name` of the graded target, compiled, as a file the child entry reads. */
function learnerProgramFile(name: string): string {
  const ref = JSON.stringify(learnerModuleRef(name));
  const hash = createHash("sha256").update(ref).digest("hex").slice(0, 20);
  const out = path.join(cacheDir(), `${path.basename(name, ".ts")}-${hash}.learner.json`);
  const partial = `${out}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  writeFileSync(partial, ref);
  renameSync(partial, out);
  return out;
}
