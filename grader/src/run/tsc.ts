/**
 * One run of the TypeScript compiler over learner files, with the course's compiler settings, under a
 * CPU-time and a memory limit (limits.ts). Type-level code can make the compiler work for minutes and
 * take gigabytes: a 63 KB file of it took 67 s and 2.5 GiB. The limits end such a run; typecheck.ts
 * decides what that means for which file.
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { exercisesDir, repoRoot } from "../paths.ts";
import { mebibytes } from "./caps.ts";
import { confine, type LimitKind } from "./limits.ts";
import { signalGroup } from "./process-group.ts";

export interface Diagnostic {
  /** Absolute path of the file. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** "TS2322: Type 'string' is not assignable to type 'number'." */
  readonly message: string;
  /** Set when type-checking the file went past a limit: there is no line to point to, only the file. */
  readonly limit?: LimitKind;
}

export interface TypecheckLimits {
  /** CPU time of the compiler, every thread of it. */
  readonly seconds: number;
  readonly memoryMiB: number;
}

export type CompilerOutcome =
  | { readonly kind: "checked"; readonly diagnostics: readonly Diagnostic[] }
  | { readonly kind: "over limit"; readonly limit: LimitKind };

const tscEntry = path.join(repoRoot, "node_modules", "typescript", "bin", "tsc");
const LINE = /^(.+?)\((\d+),(\d+)\): error (TS\d+: .*)$/;
/** Wall-clock backstop, as a multiple of the CPU limit: the compiler only waits when the machine is busy. */
const WALL_FACTOR = 4;

/**
 * Type-check `files` (absolute paths inside `root`). Imports of given code, and of learner files that
 * are not in `root`, resolve to the trusted exercises/ folder (through rootDirs), as when the tests run.
 */
export async function runCompiler(
  files: readonly string[],
  root: string,
  workDir: string,
  limits: TypecheckLimits,
): Promise<CompilerOutcome> {
  mkdirSync(workDir, { recursive: true });
  const config = path.join(workDir, "tsconfig.json");
  writeFileSync(
    config,
    JSON.stringify({
      extends: path.join(repoRoot, "tsconfig.json"),
      compilerOptions: {
        // A submission folder outside the repository has no package.json saying "type": "module", and
        // NodeNext would then read its files as CommonJS. Bundler resolution reads them as ES modules,
        // as vitest does when it runs them.
        module: "ESNext",
        moduleResolution: "Bundler",
        rootDirs: [root, exercisesDir],
        // Packages resolve from the course's node_modules, as they do when the tests run (plugin.ts).
        paths: { "*": [path.join(repoRoot, "node_modules", "*")] },
        typeRoots: [path.join(repoRoot, "node_modules", "@types")],
        noEmit: true,
      },
      files,
      include: [],
    }),
  );
  const run = await capture([tscEntry, "-p", config, "--pretty", "false"], limits);
  if (run.limit) return { kind: "over limit", limit: run.limit };
  return { kind: "checked", diagnostics: parse(run.output) };
}

function parse(output: string): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const line of output.split(/\r?\n/)) {
    const match = LINE.exec(line);
    if (!match) continue;
    const [, file, row, column, message] = match;
    diagnostics.push({
      file: path.resolve(repoRoot, file!),
      line: Number(row),
      column: Number(column),
      message: message!,
    });
  }
  return diagnostics;
}

function capture(
  args: readonly string[],
  limits: TypecheckLimits,
): Promise<{ output: string; limit?: LimitKind }> {
  return new Promise((resolve, reject) => {
    const memoryBytes = mebibytes(limits.memoryMiB);
    const child = spawn(process.execPath, args, {
      cwd: repoRoot,
      // Its own process group: the compiler runs as a child of the node wrapper, and both must end.
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      // The compiler is written in Go: near the limit its collector works harder instead of growing.
      env: { ...process.env, GOMEMLIMIT: String(Math.floor(memoryBytes * 0.8)) },
    });
    const confinement =
      child.pid === undefined
        ? undefined
        : confine(
            child.pid,
            { memoryBytes, cpuMs: limits.seconds * 1000 },
            { onExceeded: () => signalGroup(child.pid) },
          );
    let wallClock = false;
    const backstop = setTimeout(
      () => {
        wallClock = true;
        signalGroup(child.pid);
      },
      limits.seconds * 1000 * WALL_FACTOR,
    );
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.once("error", (error) => {
      clearTimeout(backstop);
      void confinement?.end();
      reject(error);
    });
    // 'close', not 'exit': the output must be read to its end. Nothing outside the group holds the pipes,
    // and the limits and the backstop end the whole group.
    child.once("close", async () => {
      clearTimeout(backstop);
      signalGroup(child.pid);
      await confinement?.end();
      const limit = confinement?.exceeded() ?? (wallClock ? "cpu" : undefined);
      resolve(limit ? { output, limit } : { output });
    });
  });
}
