/**
 * Imports a learner file may not make, found before anything runs: a file that asks for a module its
 * exercise does not offer (grader/course.json, "capabilities") would fail to load in every test, so it is
 * reported once, as a compile error that names the import and what the exercise offers.
 */
import { readFileSync } from "node:fs";
import { stop as stopEsbuild } from "esbuild";
import { compileLearnerModule, LearnerCompileError } from "../confine/compile.ts";
import { grantsFor } from "../confine/grants.ts";
import type { Exercise } from "../manifest.ts";
import { repoRoot } from "../paths.ts";
import type { Diagnostic } from "./typecheck.ts";

export interface LocatedFile {
  readonly exercise: Exercise;
  /** Absolute path of the learner's file, in the target. */
  readonly absolute: string;
}

/** One diagnostic per import a learner file may not make (and per file esbuild cannot compile). */
export function importDiagnostics(files: readonly LocatedFile[], targetRoot: string): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  try {
    for (const { exercise, absolute } of files) {
      const source = readFileSync(absolute, "utf8");
      let imports: readonly string[];
      try {
        imports = compileLearnerModule(absolute, source).imports;
      } catch (error) {
        if (!(error instanceof LearnerCompileError)) throw error;
        diagnostics.push({ file: absolute, line: error.line, column: error.column, message: error.message });
        continue;
      }
      const grants = grantsFor({ exercise, file: absolute, targetRoot, courseRoot: repoRoot, imports });
      const granted = new Set(grants.modules.map((grant) => grant.specifier));
      for (const specifier of imports.filter((s) => !granted.has(s))) {
        const { line, column } = positionOf(source, specifier);
        diagnostics.push({
          file: absolute,
          line,
          column,
          message:
            `imports "${specifier}", which ${exercise.id} does not offer: ` +
            (grants.allowed.length > 0
              ? `its code may import ${grants.allowed.join(", ")}`
              : "its code needs no imports beyond types"),
        });
      }
    }
  } finally {
    // esbuild keeps a helper process for its next call; nothing of ours may linger after grading.
    void stopEsbuild();
  }
  return diagnostics;
}

/** Where a specifier is written in the source (its first quoted occurrence), 1-based. */
function positionOf(source: string, specifier: string): { line: number; column: number } {
  const found = [`"${specifier}"`, `'${specifier}'`, `\`${specifier}\``]
    .map((quoted) => source.indexOf(quoted))
    .filter((index) => index >= 0);
  const at = found.length > 0 ? Math.min(...found) : 0;
  const before = source.slice(0, at).split("\n");
  return { line: before.length, column: before.at(-1)!.length + 1 };
}
