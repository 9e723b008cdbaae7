/**
 * Mutants are kept as unified diffs against the reference solution (`diff -u`), so each one shows exactly
 * the mistake it makes and follows the solution when the solution changes. To run one, apply its diff to
 * a copy of the solution in a scratch folder laid out like exercises/, and grade that folder.
 *
 * Hunks are applied strictly: each hunk's old lines (context and removals) must occur exactly once in the
 * file, wherever that is. A hunk that no longer matches is an error that says which mutant to update.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type Exercise, type Mutant, mutantReplaces, solutionOf } from "./manifest.ts";
import { fromRoot } from "./paths.ts";
import type { Target } from "./target.ts";

interface Hunk {
  readonly oldLines: readonly string[];
  readonly newLines: readonly string[];
}

export class MutantError extends Error {
  override name = "MutantError";
}

export function parseDiff(diff: string): Hunk[] {
  const hunks: Hunk[] = [];
  let current: { oldLines: string[]; newLines: string[] } | undefined;
  for (const line of diff.replace(/\r\n/g, "\n").split("\n")) {
    if (line.startsWith("@@")) {
      current = { oldLines: [], newLines: [] };
      hunks.push(current);
    } else if (!current || line.startsWith("\\")) {
      // The preamble (our explanation, the --- and +++ lines) and "\ No newline at end of file".
    } else if (line.startsWith(" ")) {
      current.oldLines.push(line.slice(1));
      current.newLines.push(line.slice(1));
    } else if (line.startsWith("-")) {
      current.oldLines.push(line.slice(1));
    } else if (line.startsWith("+")) {
      current.newLines.push(line.slice(1));
    } else if (line === "") {
      // An empty context line whose leading space an editor removed.
      current.oldLines.push("");
      current.newLines.push("");
    }
  }
  return hunks;
}

/** Apply a unified diff to `source`; `where` names the diff in errors. */
export function applyDiff(source: string, diff: string, where: string): string {
  const hunks = parseDiff(diff);
  if (hunks.length === 0) throw new MutantError(`${where} has no hunks: it would not change anything`);
  let lines = source.split("\n");
  for (const [index, hunk] of hunks.entries()) {
    // Trailing empty context lines may come from the file's final newline; match without them.
    let old = [...hunk.oldLines];
    let replacement = [...hunk.newLines];
    while (old.length > 0 && old.at(-1) === "" && replacement.at(-1) === "") {
      old = old.slice(0, -1);
      replacement = replacement.slice(0, -1);
    }
    const at = findAll(lines, old);
    if (at.length !== 1) {
      throw new MutantError(
        `${where}: hunk ${index + 1} ${at.length === 0 ? "no longer matches" : "matches more than one place in"} the solution; update the mutant (regenerate it with diff -u)`,
      );
    }
    lines = [...lines.slice(0, at[0]), ...replacement, ...lines.slice(at[0]! + old.length)];
  }
  return lines.join("\n");
}

function findAll(lines: readonly string[], block: readonly string[]): number[] {
  const found: number[] = [];
  for (let i = 0; i + block.length <= lines.length; i++) {
    if (block.every((line, j) => lines[i + j] === line)) found.push(i);
  }
  return found;
}

/**
 * Write the mutant into `dir`, laid out like exercises/: the mutated file, plus the solutions of the
 * exercise's other learner files. Returns the target to grade.
 */
export function materializeMutant(exercise: Exercise, mutant: Mutant, dir: string): Target {
  const replaced = mutantReplaces(exercise, mutant);
  for (const file of exercise.files) {
    const to = path.join(dir, path.relative("exercises", file));
    mkdirSync(path.dirname(to), { recursive: true });
    if (file === replaced) {
      const source = readFileSync(fromRoot(solutionOf(file)), "utf8");
      writeFileSync(to, applyDiff(source, readFileSync(fromRoot(mutant.file), "utf8"), mutant.file));
    } else {
      copyFileSync(fromRoot(solutionOf(file)), to);
    }
  }
  return { root: dir };
}
