/**
 * Type-checks the learner files of a target with the course's compiler settings, so a syntax or type error
 * is reported as such ("compile-error") with its file and line, instead of as a pile of failing tests.
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { exercisesDir, repoRoot } from "../paths.ts";

export interface Diagnostic {
  /** Absolute path of the file. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** "TS2322: Type 'string' is not assignable to type 'number'." */
  readonly message: string;
}

const tscEntry = path.join(repoRoot, "node_modules", "typescript", "bin", "tsc");
const LINE = /^(.+?)\((\d+),(\d+)\): error (TS\d+: .*)$/;

/**
 * Type-check `files` (absolute paths). Imports of given code resolve to the trusted exercises/ folder
 * (through rootDirs) when a file lives outside it. Returns the diagnostics per file.
 */
export async function typecheck(
  files: readonly string[],
  targetRoot: string,
  workDir: string,
): Promise<Diagnostic[]> {
  if (files.length === 0) return [];
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
        rootDirs: [targetRoot, exercisesDir],
        // Packages resolve from the course's node_modules, as they do when the tests run (plugin.ts).
        paths: { "*": [path.join(repoRoot, "node_modules", "*")] },
        typeRoots: [path.join(repoRoot, "node_modules", "@types")],
        noEmit: true,
      },
      files,
      include: [],
    }),
  );
  const output = await capture(process.execPath, [tscEntry, "-p", config, "--pretty", "false"]);
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

function capture(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.once("error", reject);
    child.once("close", () => resolve(output));
  });
}
