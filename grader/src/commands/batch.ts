/** `npm run grade -- --batch DIR`: grade every learner's submission in DIR and write a gradebook. */
import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { grade } from "../grade.ts";
import type { Course, Exercise } from "../manifest.ts";
import { userPath } from "../paths.ts";
import type { Report } from "../report/types.ts";
import type { SandboxKind } from "../run/sandbox.ts";
import { submissionRoot } from "./grade.ts";

interface BatchOptions {
  readonly exercises: readonly Exercise[];
  readonly seed: number;
  readonly timeoutSeconds?: number;
  readonly sandbox: SandboxKind;
}

interface GradebookEntry {
  readonly learner: string;
  readonly status: "graded" | "error";
  readonly error?: string;
  readonly report?: Report;
}

export async function gradeBatch(
  course: Course,
  dir: string,
  gradebook: string,
  options: BatchOptions,
): Promise<number> {
  const learners = readdirSync(dir)
    .filter((name) => !name.startsWith(".") && statSync(path.join(dir, name)).isDirectory())
    .sort();
  if (learners.length === 0) {
    console.error(
      `--batch ${dir}: no submission folders inside. Put one folder per learner there, named after the learner.`,
    );
    return 2;
  }
  const entries: GradebookEntry[] = [];
  for (const [index, learner] of learners.entries()) {
    process.stderr.write(`[${index + 1}/${learners.length}] grading ${learner}…\n`);
    try {
      const report = await grade(course, {
        ...options,
        target: { root: submissionRoot(path.join(dir, learner)) },
      });
      entries.push({ learner, status: "graded", report });
      process.stderr.write(`    ${report.score}/${report.max_score}\n`);
    } catch (error) {
      // One broken submission must not cost the others their grades.
      entries.push({ learner, status: "error", error: (error as Error).message });
      process.stderr.write(`    could not grade: ${(error as Error).message}\n`);
    }
  }
  const base = userPath(gradebook);
  mkdirSync(path.dirname(base), { recursive: true });
  writeFileSync(`${base}.csv`, gradebookCsv(options.exercises, entries));
  writeFileSync(`${base}.json`, `${JSON.stringify({ seed: options.seed, learners: entries }, null, 2)}\n`);
  console.log(
    `Graded ${entries.filter((e) => e.status === "graded").length} of ${learners.length} submissions → ${base}.csv, ${base}.json`,
  );
  return 0;
}

export function gradebookCsv(exercises: readonly Exercise[], entries: readonly GradebookEntry[]): string {
  const header = ["learner", ...exercises.map((e) => e.id), "total", "status"];
  const rows = entries.map((entry) => {
    const scores = exercises.map((e) =>
      String(entry.report?.exercises.find((r) => r.id === e.id)?.score ?? ""),
    );
    const total = entry.report ? String(entry.report.score) : "";
    return [
      entry.learner,
      ...scores,
      total,
      entry.status === "graded" ? "graded" : `error: ${entry.error ?? ""}`,
    ];
  });
  return `${[header, ...rows].map((row) => row.map(csvCell).join(",")).join("\n")}\n`;
}

function csvCell(value: string): string {
  // Quote anything with a separator, and defuse spreadsheet formulas in learner-chosen folder names.
  const safe = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
