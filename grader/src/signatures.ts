/**
 * Mutant signatures: how each known mistake fails the tests (which tests fail, and the first failure's
 * headline with the values taken out), recorded by `npm run verify -- --update-signatures` from the very
 * mutant runs verify makes. When a learner's failures look the same, the grade, the Markdown report and
 * `npm run hint` say "It looks like: …", a nudge drawn from the mistake's description.
 *
 * The file ships with the grader (unlike grader/mutants/, which the sandbox hides and export drops): it
 * holds test names, a normalised message and the nudge, no code. Matching is pure and unit-tested.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Exercise, Mutant } from "./manifest.ts";
import { exercisesDir, fromRoot, stateDir } from "./paths.ts";
import { displayTestName, type ExerciseReport, headline, vitestTestName } from "./score.ts";

export const SIGNATURES_FILE = "grader/mutant-signatures.json";
export const UPDATE_SIGNATURES = "npm run verify -- --update-signatures";

export interface MutantSignature {
  readonly exercise: string;
  /** The mutant's name: its diff's file name without ".diff". */
  readonly mutant: string;
  /** Full vitest names of the tests it fails, in the manifest's order. */
  readonly failing: readonly string[];
  /** The first failing test and its headline, normalised (see normaliseMessage). */
  readonly first: { readonly test: string; readonly message: string };
  /** What a learner is told when their failures match: the mistake, as a nudge. */
  readonly nudge: string;
}

export interface SignatureFile {
  readonly format_version: 1;
  readonly signatures: readonly MutantSignature[];
}

/** Statuses whose failures say something about the code's behaviour. */
const MATCHABLE = new Set(["partial", "failed", "timeout", "crashed"]);

/**
 * A headline without what varies between two runs of the same mistake: the assertion library's detail
 * after our label, numbers (and lists of them), quoted values, spacing.
 */
export function normaliseMessage(text: string): string {
  return text
    .replace(/^(?:[A-Z][A-Za-z]*)?Error: /, "")
    .replace(/(?:^|:\s+)expected\b[\s\S]*$/, "")
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, "…")
    .replace(/[+-]?\d+(?:\.\d+)?(?:e[+-]?\d+)?n?/gi, "#")
    .replace(/#(?:[\s,]+#)+/g, "#")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 200);
}

/**
 * The mistake as a nudge: its first clause, which says what the code does, not the part that explains
 * why it is wrong or what to do instead. "Releases without notify: a thread … is never woken" →
 * "releases without notify".
 */
export function nudgeOf(mistake: string): string {
  const clause = firstClause(mistake);
  const [first = "", second = ""] = clause.split(/\s+/);
  // "Releases without notify" says what the code does: "your code releases without notify".
  const startsWithAVerb = /^[A-Z][a-z]+s$/.test(first) && !NOUN_FOLLOWERS.has(second.toLowerCase());
  // Keep code names (gather, broadcast, Close()) as written; lower-case a plain capitalised word.
  const lowered = /^[A-Z][a-z]*$/.test(first) ? clause[0]!.toLowerCase() + clause.slice(1) : clause;
  return startsWithAVerb ? `your code ${lowered}` : lowered;
}

/** Words after a plural noun that begins a mistake ("Stages are not primed"), not after a verb. */
const NOUN_FOLLOWERS = new Set([
  "are",
  "is",
  "were",
  "was",
  "have",
  "has",
  "do",
  "does",
  "never",
  "get",
  "stay",
  "ignore",
  "use",
  "count",
]);

/** The text up to the first break (": ", "; ", ", so ", " instead of ", …) outside quotes and brackets. */
function firstClause(text: string): string {
  const breaks = [": ", "; ", " — ", " (", ", so ", " instead of ", ", which ", ". "];
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"' || c === "`") {
      // An apostrophe inside a word ("thread's") is not a quote.
      if (c !== "'" || !/\w/.test(text[i - 1] ?? "")) quote = c;
    } else if ("([{".includes(c) && !(c === "(" && text[i - 1] === " " && depth === 0)) depth++;
    else if (")]}".includes(c)) depth = Math.max(0, depth - 1);
    if (!quote && depth === 0 && breaks.some((b) => text.startsWith(b, i))) return text.slice(0, i).trim();
  }
  return text.trim().replace(/[.,]$/, "");
}

export function mutantName(mutant: Mutant): string {
  return path.basename(mutant.file, ".diff");
}

/** The signature of a mutant's graded run, or undefined when it failed nothing a learner could match. */
export function signatureOf(
  exercise: Exercise,
  mutant: Mutant,
  report: ExerciseReport,
): MutantSignature | undefined {
  if (!MATCHABLE.has(report.status)) return undefined;
  const byDisplay = new Map(Object.keys(exercise.tests).map((n) => [displayTestName(exercise.id, n), n]));
  const failing = report.tests.filter((t) => t.status === "failed").map((t) => byDisplay.get(t.name)!);
  const first = report.tests.find((t) => t.status === "failed");
  if (!first || failing.length === 0) return undefined;
  return {
    exercise: exercise.id,
    mutant: mutantName(mutant),
    failing,
    first: { test: byDisplay.get(first.name)!, message: normaliseMessage(headline(first.output)) },
    nudge: nudgeOf(mutant.mistake),
  };
}

/** What one run of an exercise's tests failed, in vitest's test names: what matching looks at. */
export interface Failures {
  readonly exercise: string;
  /** Every failed test's full vitest name. */
  readonly failed: ReadonlySet<string>;
  /** The first failed test in the manifest's order, and its headline as the grade shows it. */
  readonly first: { readonly test: string; readonly headline: string };
}

/**
 * The known mistakes a run's failures match. A signature matches when the first failing test and its
 * normalised headline are the same. Which other tests fail can change with timing (a test on real
 * threads may fail, or time out, in one run and not the next), so the set of failing tests only ranks
 * the matches: the ones whose failing tests differ least from the run's win. Each nudge once.
 */
export function matchFailures(failures: Failures, signatures: readonly MutantSignature[]): MutantSignature[] {
  const message = normaliseMessage(failures.first.headline);
  const candidates = signatures
    .filter(
      (s) =>
        s.exercise === failures.exercise &&
        s.first.test === failures.first.test &&
        s.first.message === message,
    )
    .map((s) => {
      const theirs = new Set(s.failing);
      const differ =
        [...theirs].filter((name) => !failures.failed.has(name)).length +
        [...failures.failed].filter((name) => !theirs.has(name)).length;
      return { s, differ };
    });
  const best = Math.min(...candidates.map((c) => c.differ));
  const chosen = candidates.filter((c) => c.differ === best).map((c) => c.s);
  return chosen.filter((s, i) => chosen.findIndex((o) => o.nudge === s.nudge) === i);
}

/** The known mistakes a graded report's failures match (see matchFailures). */
export function matchSignatures(
  report: ExerciseReport,
  signatures: readonly MutantSignature[],
): MutantSignature[] {
  if (!MATCHABLE.has(report.status)) return [];
  const first = report.tests.find((t) => t.status === "failed");
  if (!first) return [];
  return matchFailures(
    {
      exercise: report.id,
      failed: new Set(report.tests.filter((t) => t.status === "failed").map((t) => vitestTestName(t.name))),
      first: { test: vitestTestName(first.name), headline: headline(first.output) },
    },
    signatures,
  );
}

/** The report with the nudges of the known mistakes its failures match, if any. */
export function withLikelyMistakes(
  report: ExerciseReport,
  signatures: readonly MutantSignature[],
): ExerciseReport {
  const nudges = matchSignatures(report, signatures).map((s) => s.nudge);
  return nudges.length > 0 ? { ...report, likely_mistakes: nudges } : report;
}

export function loadSignatures(file = fromRoot(SIGNATURES_FILE)): MutantSignature[] {
  if (!existsSync(file)) return [];
  try {
    const data = JSON.parse(readFileSync(file, "utf8")) as SignatureFile;
    return Array.isArray(data.signatures) ? [...data.signatures] : [];
  } catch {
    return []; // a damaged file only costs the nudges; verify reports it as out of date
  }
}

export function renderSignatureFile(signatures: readonly MutantSignature[]): string {
  const file: SignatureFile = { format_version: 1, signatures };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/**
 * The stored signatures with those of `checked` exercises replaced by `fresh`, in course order
 * (`order`: exercise ids, then each exercise's mutants as the manifest lists them).
 */
export function mergeSignatures(
  stored: readonly MutantSignature[],
  fresh: readonly MutantSignature[],
  checked: ReadonlySet<string>,
  order: readonly string[],
): MutantSignature[] {
  const kept = stored.filter((s) => !checked.has(s.exercise) && order.includes(s.exercise));
  const rank = (s: MutantSignature) => order.indexOf(s.exercise);
  const all = [...kept, ...fresh];
  return all
    .map((s, i) => ({ s, i }))
    .sort((a, b) => rank(a.s) - rank(b.s) || (a.s.exercise === b.s.exercise ? a.i - b.i : 0))
    .map(({ s }) => s);
}

/**
 * What differs between the stored signatures of `checked` exercises and what verify just saw: a mutant
 * new or gone, another first failure, another nudge. The other failing tests are kept up to date by
 * --update-signatures but are not checked: they may change with the machine's load (see matchSignatures).
 */
export function signatureDrift(
  stored: readonly MutantSignature[],
  fresh: readonly MutantSignature[],
  checked: ReadonlySet<string>,
): string[] {
  const key = (s: MutantSignature) => `${s.exercise}/${s.mutant}`;
  const before = new Map(stored.filter((s) => checked.has(s.exercise)).map((s) => [key(s), s]));
  const now = new Map(fresh.map((s) => [key(s), s]));
  const problems: string[] = [];
  for (const [k, s] of now) {
    const old = before.get(k);
    if (!old) problems.push(`${k}: no signature stored`);
    else if (old.first.test !== s.first.test || old.first.message !== s.first.message)
      problems.push(`${k}: first failure is now ${s.first.test}: "${s.first.message}"`);
    else if (old.nudge !== s.nudge) problems.push(`${k}: its nudge changed`);
  }
  for (const k of before.keys()) if (!now.has(k)) problems.push(`${k}: stored, but no such mutant fails now`);
  return problems;
}

export function writeSignatures(
  signatures: readonly MutantSignature[],
  file = fromRoot(SIGNATURES_FILE),
): void {
  writeFileSync(file, renderSignatureFile(signatures));
}

/** Where `npm run grade` leaves the nudges of its last grade of exercises/, for `npm run hint`. */
const lastGradeFile = () => path.join(stateDir, "likely-mistakes.json");

type Recorded = Record<string, { readonly nudges: readonly string[]; readonly files: string }>;

/** The learner files' contents, hashed: a nudge holds only for the code it was made for. */
function filesDigest(exercise: Exercise): string {
  const hash = createHash("sha256");
  for (const file of exercise.files) {
    const absolute = path.join(exercisesDir, path.relative("exercises", file));
    hash.update(existsSync(absolute) ? readFileSync(absolute) : "");
  }
  return hash.digest("hex");
}

/** Remember, for each graded exercise of exercises/, the known mistakes its failures matched. */
export function recordLikelyMistakes(
  exercises: readonly Exercise[],
  reports: readonly ExerciseReport[],
): void {
  const recorded: Recorded = readRecorded();
  for (const exercise of exercises) {
    const report = reports.find((r) => r.id === exercise.id);
    if (!report) continue;
    if (report.likely_mistakes?.length)
      recorded[exercise.id] = { nudges: report.likely_mistakes, files: filesDigest(exercise) };
    else delete recorded[exercise.id];
  }
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(lastGradeFile(), `${JSON.stringify(recorded, null, 2)}\n`);
}

/** The nudges the last grade found for `exercise`, if its files have not changed since. */
export function recordedLikelyMistakes(exercise: Exercise): readonly string[] {
  const entry = readRecorded()[exercise.id];
  return entry && entry.files === filesDigest(exercise) && Array.isArray(entry.nudges) ? entry.nudges : [];
}

function readRecorded(): Recorded {
  try {
    return JSON.parse(readFileSync(lastGradeFile(), "utf8")) as Recorded;
  } catch {
    return {}; // none yet, or damaged: no nudges
  }
}
