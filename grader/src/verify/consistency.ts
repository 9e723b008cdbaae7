/**
 * Manifest ↔ files, both ways, and the notes: every file the manifest names exists, every exercise file on
 * disk is in the manifest, every exercise is linked from its chapter's notes, every link resolves, and
 * every exercise's doc-clause ledger holds (ledger.ts).
 * Each problem says what is wrong and what to do.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { ledgerProblems } from "../ledger.ts";
import { type Course, solutionOf } from "../manifest.ts";
import { fromRoot, relativeToRoot, repoRoot } from "../paths.ts";
import { headingAnchors, relativeLinks } from "./markdown-links.ts";

export const MIN_MUTANTS = 3;

export function consistencyProblems(course: Course): string[] {
  const problems: string[] = [];
  const exists = (file: string) => existsSync(fromRoot(file));
  const referenced = new Set<string>();

  for (const chapter of course.chapters) {
    const hasNotes = exists(chapter.notes);
    if (!hasNotes) {
      problems.push(
        `${chapter.id}: notes ${chapter.notes} do not exist; write them or fix "notes" in grader/course.json`,
      );
    }
    const notes = hasNotes ? readFileSync(fromRoot(chapter.notes), "utf8") : "";
    const anchors = headingAnchors(notes);
    if (hasNotes) problems.push(...linkProblems(chapter.notes, notes));

    for (const exercise of chapter.exercises) {
      const where = exercise.id;
      for (const file of [...exercise.files, exercise.test, ...exercise.given]) {
        referenced.add(file);
        if (!exists(file)) problems.push(`${where}: ${file} is in the manifest but not on disk`);
      }
      for (const file of exercise.files) {
        const solution = solutionOf(file);
        referenced.add(solution);
        if (!exists(solution)) problems.push(`${where}: no reference solution ${solution}`);
        else if (exists(file)) problems.push(...exportProblems(where, file, solution));
        if (exists(file) && !readFileSync(fromRoot(file), "utf8").includes(exercise.notes)) {
          problems.push(`${where}: the stub ${file} should point learners to ${exercise.notes}`);
        }
      }
      for (const mutant of exercise.mutants) {
        referenced.add(mutant.file);
        if (!exists(mutant.file))
          problems.push(`${where}: mutant ${mutant.file} is in the manifest but not on disk`);
      }
      if (exercise.mutants.length < MIN_MUTANTS) {
        problems.push(
          `${where}: has ${exercise.mutants.length} mutants; every exercise needs at least ${MIN_MUTANTS} known-wrong versions`,
        );
      }
      problems.push(...ledgerProblems(exercise));
      if (!hasNotes) continue;
      const anchor = exercise.notes.split("#")[1]!;
      if (!anchors.has(anchor)) problems.push(`${where}: ${chapter.notes} has no heading for #${anchor}`);
      const linked = relativeLinks(notes).some((link) =>
        exercise.files.includes(
          relativeToRoot(path.resolve(path.dirname(fromRoot(chapter.notes)), link.split("#")[0]!)),
        ),
      );
      if (!linked)
        problems.push(
          `${where}: ${chapter.notes} does not link to ${exercise.files[0]}; add a link in its section`,
        );
    }
  }

  for (const folder of ["exercises", "solutions", "grader/mutants"]) {
    for (const file of listFiles(fromRoot(folder))) {
      const rel = relativeToRoot(file);
      if (/\.(ts|diff)$/.test(rel) && !referenced.has(rel)) {
        problems.push(`${rel} is not in grader/course.json; add it to an exercise or delete it`);
      }
    }
  }
  return problems;
}

/** Broken relative links and anchors in a markdown file. */
export function linkProblems(file: string, markdown: string): string[] {
  const problems: string[] = [];
  const ownAnchors = headingAnchors(markdown);
  for (const link of relativeLinks(markdown)) {
    const [target, anchor] = link.split("#") as [string, string | undefined];
    const absolute =
      target === "" ? fromRoot(file) : path.resolve(path.dirname(fromRoot(file)), decodeURI(target));
    if (!absolute.startsWith(repoRoot) || !existsSync(absolute)) {
      problems.push(`${file}: link to ${link} does not resolve`);
      continue;
    }
    if (anchor !== undefined && absolute.endsWith(".md")) {
      const anchors = target === "" ? ownAnchors : headingAnchors(readFileSync(absolute, "utf8"));
      if (!anchors.has(anchor)) problems.push(`${file}: link to ${link} names a heading that does not exist`);
    }
  }
  return problems;
}

/** A stub and its solution must export the same names, so one test file serves both. */
function exportProblems(where: string, stub: string, solution: string): string[] {
  const names = (file: string) =>
    new Set(
      [
        ...readFileSync(fromRoot(file), "utf8").matchAll(
          /^export\s+(?:async\s+)?(?:function\*?|class|const|let|type|interface|enum)\s+([A-Za-z_$][\w$]*)/gm,
        ),
      ].map((m) => m[1]!),
    );
  const [a, b] = [names(stub), names(solution)];
  const missing = [...a].filter((n) => !b.has(n));
  const extra = [...b].filter((n) => !a.has(n));
  if (missing.length === 0 && extra.length === 0) return [];
  return [
    `${where}: ${stub} and ${solution} export different names (stub only: ${missing.join(", ") || "–"}; solution only: ${extra.join(", ") || "–"})`,
  ];
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? listFiles(full) : [full];
  });
}
