/**
 * Type-checks the learner files of a target with the course's compiler settings, so a syntax or type error
 * is reported as such ("compile-error") with its file and line, instead of as a pile of failing tests.
 *
 * One compiler run covers every file (0.1 s for the whole course). When it goes past its limits, some
 * file's types are too heavy, and that must cost only that file's exercise: each file is then checked on
 * its own, with every other learner file replaced by the course's stub (the same exported types), so a
 * heavy file is found even when others import it. The files that still go past the limits get a
 * diagnostic saying so; the rest are checked again together, without them.
 */
import { copyFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { DEFAULT_TYPECHECK_MEMORY_MIB, DEFAULT_TYPECHECK_SECONDS, formatMiB } from "./caps.ts";
import type { LimitKind } from "./limits.ts";
import { type CompilerOutcome, type Diagnostic, runCompiler, type TypecheckLimits } from "./tsc.ts";

export type { Diagnostic, TypecheckLimits } from "./tsc.ts";

export interface TypecheckOptions {
  readonly limits?: TypecheckLimits;
  /** Runs each compiler process (grading passes its limiter, so type-checks share the machine fairly). */
  readonly schedule?: <T>(task: () => Promise<T>) => Promise<T>;
}

export const DEFAULT_TYPECHECK_LIMITS: TypecheckLimits = {
  seconds: DEFAULT_TYPECHECK_SECONDS,
  memoryMiB: DEFAULT_TYPECHECK_MEMORY_MIB,
};

/** The compile-error message for a file that went past a limit. */
export function limitMessage(limit: LimitKind, limits: TypecheckLimits): string {
  return limit === "memory"
    ? `type-checking your file took more than ${formatMiB(limits.memoryMiB)} of memory: simplify its types`
    : `type-checking your file took longer than ${limits.seconds} s: simplify its types`;
}

/**
 * Type-check `files` (absolute paths inside `root`). Imports of given code resolve to the trusted
 * exercises/ folder when a file lives outside it. Returns the diagnostics, one per file that went past
 * a limit (with `limit` set).
 */
export async function typecheck(
  files: readonly string[],
  root: string,
  workDir: string,
  options: TypecheckOptions = {},
): Promise<Diagnostic[]> {
  if (files.length === 0) return [];
  const limits = options.limits ?? DEFAULT_TYPECHECK_LIMITS;
  const schedule = options.schedule ?? (<T>(task: () => Promise<T>) => task());
  const check = (subset: readonly string[], dir: string) =>
    schedule(() => checkAmong(subset, root, path.join(workDir, dir), limits));

  const all = await check(files, "all");
  if (all.kind === "checked") return [...all.diagnostics];

  // One file: it is the heavy one, no need to find out.
  const alone =
    files.length === 1
      ? [all]
      : await Promise.all(files.map((file, index) => check([file], `alone-${index}`)));
  const heavy = files.filter((_, index) => alone[index]!.kind === "over limit");
  const overLimit: Diagnostic[] = heavy.map((file) => {
    const outcome = alone[files.indexOf(file)] as Extract<CompilerOutcome, { kind: "over limit" }>;
    return { file, line: 1, column: 1, message: limitMessage(outcome.limit, limits), limit: outcome.limit };
  });
  const rest = files.filter((file) => !heavy.includes(file));
  const together = rest.length > 0 ? await check(rest, "rest") : undefined;
  // Light alone but heavy together (two files that only blow up in each other's company): each keeps
  // what it got alone, against the others' stubs.
  const restDiagnostics =
    together?.kind === "checked"
      ? together.diagnostics
      : alone.flatMap((outcome) => (outcome.kind === "checked" ? outcome.diagnostics : []));
  return [...overLimit, ...restDiagnostics];
}

/**
 * Check `subset` in a folder of its own that holds only those files, laid out as in `root`: every other
 * learner file then resolves to its stub in exercises/. Diagnostics name the files in `root`.
 */
async function checkAmong(
  subset: readonly string[],
  root: string,
  workDir: string,
  limits: TypecheckLimits,
): Promise<CompilerOutcome> {
  const copyRoot = path.join(workDir, "files");
  const copies = subset.map((file) => {
    const copy = path.join(copyRoot, path.relative(root, file));
    mkdirSync(path.dirname(copy), { recursive: true });
    copyFileSync(file, copy);
    return copy;
  });
  const outcome = await runCompiler(copies, copyRoot, workDir, limits);
  if (outcome.kind === "over limit") return outcome;
  const original = (file: string) => {
    const relative = path.relative(copyRoot, file);
    return relative.startsWith("..") || path.isAbsolute(relative) ? file : path.join(root, relative);
  };
  return { kind: "checked", diagnostics: outcome.diagnostics.map((d) => ({ ...d, file: original(d.file) })) };
}
