/**
 * `npm run ledger [-- <exercise> ...]`: the doc-clause ledger for maintainers. With exercises, each one's
 * clauses and the tests that check them; without, one line per exercise. Exits 1 when a ledger has
 * problems (verify checks the same).
 */
import { parseArgs } from "node:util";
import { formatLedger, ledgerProblems } from "../ledger.ts";
import { allExercises, findExercise, loadCourse } from "../manifest.ts";

export async function ledgerCommand(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: { help: { type: "boolean", default: false } },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(
      "usage: npm run ledger [-- <exercise> ...]\n  with exercises: their clauses and tests\n  without: a summary of every exercise",
    );
    return 0;
  }
  const course = loadCourse();
  const chosen =
    positionals.length > 0 ? positionals.map((q) => findExercise(course, q)) : allExercises(course);
  let failed = false;
  for (const exercise of chosen) {
    const problems = ledgerProblems(exercise);
    failed ||= problems.length > 0;
    if (positionals.length > 0) {
      console.log(formatLedger(exercise));
    } else {
      const clauses = exercise.clauses?.length ?? 0;
      const tests = Object.keys(exercise.tests).length;
      const verdict = problems.length === 0 ? "ok" : `${problems.length} problem(s)`;
      console.log(
        `${exercise.id.padEnd(32)} ${String(clauses).padStart(3)} clauses  ${String(tests).padStart(3)} tests  ${verdict}`,
      );
    }
    if (positionals.length > 0 || problems.length > 0) for (const p of problems) console.log(`  ✗ ${p}`);
  }
  return failed ? 1 : 0;
}
