/**
 * The doc-clause ledger: every promise an exercise's doc comment (or the notes section it points to) makes
 * is a clause in the manifest, quoted word for word, with the tests that check it. It runs both ways:
 * a clause no test checks is a gap in the tests, and a test that checks no clause demands something the
 * learner was never told. Quotes are matched against the current text, so a reworded doc cannot leave a
 * stale ledger behind.
 */
import { existsSync, readFileSync } from "node:fs";
import type { Clause, Exercise } from "./manifest.ts";
import { fromRoot } from "./paths.ts";
import { headingSlug } from "./verify/markdown-links.ts";

/** Text read for a file relative to the repository, or undefined when it does not exist. */
export type ReadText = (file: string) => string | undefined;

export const readRepoText: ReadText = (file) =>
  existsSync(fromRoot(file)) ? readFileSync(fromRoot(file), "utf8") : undefined;

/** Whitespace and comment leaders do not count: a quote may wrap differently than the source. */
export function normaliseProse(text: string): string {
  return text
    .split("\n")
    .map((line) =>
      line
        .replace(/^\s*\/\*\*?/, "")
        .replace(/\*\/\s*$/, "")
        .replace(/^\s*\*(?!\*)/, "")
        .replace(/^\s*\/\/\/?/, ""),
    )
    .join(" ")
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * The part of a markdown document under the heading with this anchor, down to the next heading of the
 * same or a higher level; undefined when no heading has the anchor.
 */
export function markdownSection(markdown: string, anchor: string): string | undefined {
  const lines = markdown.split("\n");
  let inFence = false;
  let start = -1;
  let level = 0;
  const counts = new Map<string, number>();
  for (const [index, line] of lines.entries()) {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    if (inFence) continue;
    const match = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length;
    if (start >= 0 && depth <= level) return lines.slice(start, index).join("\n");
    const slug = headingSlug(match[2]!);
    const seen = counts.get(slug) ?? 0;
    counts.set(slug, seen + 1);
    if (start < 0 && (seen === 0 ? slug : `${slug}-${seen}`) === anchor) {
      start = index;
      level = depth;
    }
  }
  return start >= 0 ? lines.slice(start).join("\n") : undefined;
}

/** Where a clause's quote must be found: the exercise's files, or its section of the notes. */
function sourceText(exercise: Exercise, clause: Clause, read: ReadText): string | undefined {
  if (clause.in === "stub") {
    const texts = exercise.files.map(read).filter((t): t is string => t !== undefined);
    return texts.length > 0 ? texts.join("\n") : undefined;
  }
  const [file, anchor] = exercise.notes.split("#") as [string, string];
  const notes = read(file);
  return notes === undefined ? undefined : markdownSection(notes, anchor);
}

const clip = (text: string) => (text.length > 60 ? `${text.slice(0, 57)}…` : text);

/** What is wrong with one exercise's ledger; each problem names the exercise and says what to do. */
export function ledgerProblems(exercise: Exercise, read: ReadText = readRepoText): string[] {
  const where = exercise.id;
  const clauses = exercise.clauses ?? [];
  if (clauses.length === 0) {
    return [`${where}: has no doc-clause ledger; list each promise of its doc comment under "clauses"`];
  }
  const problems: string[] = [];
  const checked = new Set<string>();
  const seenQuotes = new Set<string>();
  for (const clause of clauses) {
    const quote = normaliseProse(clause.says);
    const label = `clause "${clip(quote)}"`;
    if (seenQuotes.has(quote)) problems.push(`${where}: ${label} is listed twice; merge the two`);
    seenQuotes.add(quote);
    const source = sourceText(exercise, clause, read);
    const sourceName = clause.in === "stub" ? exercise.files.join(", ") : exercise.notes;
    if (source === undefined) {
      problems.push(`${where}: ${label} quotes ${sourceName}, which cannot be read`);
    } else if (!normaliseProse(source).includes(quote)) {
      problems.push(
        `${where}: ${label} is not in ${sourceName} word for word; quote the current text or update the clause`,
      );
    }
    for (const test of clause.tests) {
      if (test in exercise.tests) checked.add(test);
      else
        problems.push(
          `${where}: ${label} names the test "${test}", which is not one of the exercise's tests`,
        );
    }
  }
  for (const test of Object.keys(exercise.tests)) {
    if (!checked.has(test)) {
      problems.push(
        `${where}: the test "${test}" checks no clause; quote the promise it checks in "clauses", or drop what no doc promises`,
      );
    }
  }
  return problems;
}

/** The ledger of one exercise as text for maintainers: each clause, then the tests that check it. */
export function formatLedger(exercise: Exercise): string {
  const lines = [`${exercise.id} — ${exercise.title}`];
  for (const [index, clause] of (exercise.clauses ?? []).entries()) {
    lines.push(`  ${index + 1}. [${clause.in}] ${normaliseProse(clause.says)}`);
    for (const test of clause.tests) lines.push(`       ✓ ${test}`);
  }
  return lines.join("\n");
}
