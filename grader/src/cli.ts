/**
 * The course's command line: `npm run grade`, `npm run hint`, `npm run verify`, ... each a thin command
 * module. Errors the user can fix are printed as one message, without a stack trace.
 */

import { UsageError } from "./commands/errors.ts";
import { RosterError } from "./gradebook/collect.ts";
import { GradebookMergeError } from "./gradebook/gradebook.ts";
import { ManifestError, UnknownExerciseError } from "./manifest.ts";
import { ReplayTokenError } from "./replay.ts";

type Command = (argv: readonly string[]) => Promise<number>;

const commands: Readonly<Record<string, () => Promise<Command>>> = {
  test: async () => (await import("./commands/test.ts")).testCommand,
  grade: async () => (await import("./commands/grade.ts")).gradeCommand,
  hint: async () => (await import("./commands/hint.ts")).hintCommand,
  verify: async () => (await import("./commands/verify.ts")).verifyCommand,
  watch: async () => (await import("./commands/watch.ts")).watchCommand,
  hook: async () => (await import("./commands/hook.ts")).hookCommand,
  ci: async () => (await import("./commands/ci.ts")).ciCommand,
  export: async () => (await import("./commands/export.ts")).exportCommand,
  bench: async () => (await import("./commands/bench.ts")).benchCommand,
  collect: async () => (await import("./commands/collect.ts")).collectCommand,
  gradebook: async () => (await import("./commands/gradebook.ts")).gradebookCommand,
  ledger: async () => (await import("./commands/ledger.ts")).ledgerCommand,
};

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  const load = name ? commands[name] : undefined;
  if (!load) {
    console.error(`usage: tsx grader/src/cli.ts <${Object.keys(commands).join("|")}> [options]`);
    return 2;
  }
  const command = await load();
  // npm passes "--" through when scripts forward arguments; drop a leading one.
  return command(rest[0] === "--" ? rest.slice(1) : rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (
      error instanceof UsageError ||
      error instanceof UnknownExerciseError ||
      error instanceof ManifestError ||
      error instanceof RosterError ||
      error instanceof GradebookMergeError ||
      error instanceof ReplayTokenError
    ) {
      console.error(`error: ${error.message}`);
    } else if (error instanceof Error && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS")) {
      console.error(`error: ${error.message}. Run with --help for the options.`);
    } else {
      console.error(error);
    }
    process.exitCode = 2;
  },
);
