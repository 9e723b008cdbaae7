/** `npm run hint -- <exercise> [--level N]`: the next hint for an exercise, one level at a time. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { allExercises, findExercise, loadCourse, shortName } from "../manifest.ts";
import { stateDir } from "../paths.ts";
import { likelyMistakeLine } from "../report/format.ts";
import { recordedLikelyMistakes } from "../signatures.ts";
import { UsageError } from "./errors.ts";

const stateFile = path.join(stateDir, "hints.json");

type HintState = Record<string, number>;

function readState(): HintState {
  if (!existsSync(stateFile)) return {};
  try {
    return JSON.parse(readFileSync(stateFile, "utf8")) as HintState;
  } catch {
    return {}; // a damaged state file only means hints start again from the first
  }
}

function writeState(state: HintState): void {
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`);
}

export async function hintCommand(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: { level: { type: "string" }, help: { type: "boolean", default: false } },
    allowPositionals: true,
  });
  const course = loadCourse();
  if (values.help || positionals.length === 0) {
    // Listing the exercises is what a plain `npm run hint` is for: not an error.
    const width = Math.max(...allExercises(course).map((e) => shortName(e).length)) + 2;
    const names = allExercises(course).map((e) => `  ${shortName(e).padEnd(width)} ${e.title}`);
    console.log(`usage: npm run hint -- <exercise> [--level N]\n\nexercises:\n${names.join("\n")}`);
    return 0;
  }
  if (positionals.length > 1)
    throw new UsageError(`one exercise at a time, please (got ${positionals.join(", ")})`);
  const exercise = findExercise(course, positionals[0]!);
  const total = exercise.hints.length;

  const state = readState();
  let level: number;
  if (values.level !== undefined) {
    level = Number(values.level);
    if (!Number.isInteger(level) || level < 1 || level > total) {
      throw new UsageError(`--level ${values.level}: ${exercise.id} has hints 1 to ${total}`);
    }
  } else {
    level = Math.min((state[exercise.id] ?? 0) + 1, total);
  }
  state[exercise.id] = Math.max(state[exercise.id] ?? 0, level);
  writeState(state);

  const name = shortName(exercise);
  console.log(`Hint ${level} of ${total} for ${exercise.id}: ${exercise.title}\n`);
  console.log(wrap(exercise.hints[level - 1]!, 100, "  "));
  const looksLike = likelyMistakeLine({ likely_mistakes: recordedLikelyMistakes(exercise) });
  if (looksLike) console.log(`\nFrom your last grade: ${looksLike}`);
  console.log(`\nRead: ${exercise.notes}`);
  console.log(
    level < total
      ? `More: npm run hint -- ${name}   (hint ${level + 1} of ${total})`
      : `That was the last hint. Check yourself: npm test -- ${name}`,
  );
  return 0;
}

function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line !== "" && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  if (line !== "") lines.push(indent + line);
  return lines.join("\n");
}
