/**
 * Steps of the pull-request workflows, kept here (tested) rather than in YAML:
 *   ci restore --base SHA --integrity FILE
 *       put protected files back as the base commit has them; write what the pull request changed
 *   ci comment --report FILE [--previous FILE] [--changed FILE] --out FILE
 *       render the pull-request comment from an untrusted report
 */
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { integrityOf, restoreProtected } from "../ci/restore.ts";
import { isProtected, loadCourse } from "../manifest.ts";
import { repoRoot, userPath } from "../paths.ts";
import { MAX_REPORT_BYTES, renderComment } from "../report/comment.ts";
import { UsageError } from "./errors.ts";

export async function ciCommand(argv: readonly string[]): Promise<number> {
  const [step, ...rest] = argv;
  if (step === "restore") return restore(rest);
  if (step === "comment") return comment(rest);
  throw new UsageError(`unknown ci step "${step ?? ""}"; expected restore or comment`);
}

function restore(argv: readonly string[]): number {
  const { values } = parseArgs({
    args: [...argv],
    options: { base: { type: "string" }, integrity: { type: "string" } },
  });
  if (!values.base || !/^[0-9a-f]{7,64}$/i.test(values.base))
    throw new UsageError("ci restore needs --base <commit sha>");
  const result = restoreProtected(repoRoot, values.base);
  console.log(`Restored ${result.restored.length} protected files from ${values.base.slice(0, 12)}.`);
  if (result.removed.length > 0)
    console.log(`Removed ${result.removed.length} files the pull request added to protected folders.`);
  if (result.changed.length > 0) {
    console.log(
      `The pull request changes protected files (ignored for grading): ${result.changed.join(", ")}`,
    );
  }
  if (values.integrity) write(values.integrity, `${JSON.stringify(integrityOf(result), null, 2)}\n`);
  return 0;
}

function comment(argv: readonly string[]): number {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      report: { type: "string" },
      previous: { type: "string" },
      changed: { type: "string" },
      out: { type: "string" },
    },
  });
  if (!values.report || !values.out) throw new UsageError("ci comment needs --report FILE and --out FILE");
  const course = loadCourse();
  const reportText = readCapped(values.report);
  const previousComment =
    values.previous && existsSync(values.previous) ? readCapped(values.previous) : undefined;
  // The list of files the pull request changes comes from GitHub's API, one path per line.
  const changedProtected =
    values.changed && existsSync(values.changed)
      ? readCapped(values.changed)
          .split("\n")
          .map((line) => line.trim())
          .filter((file) => file !== "" && isProtected(course, file))
      : undefined;
  const body = renderComment({
    reportText,
    course,
    ...(previousComment !== undefined ? { previousComment } : {}),
    ...(changedProtected ? { changedProtected } : {}),
  });
  write(values.out, body);
  console.log(`Wrote the comment (${body.length} characters) to ${values.out}`);
  return 0;
}

/** Read at most a little more than we would ever parse, so a huge artifact cannot exhaust memory. */
function readCapped(file: string): string {
  if (!existsSync(file)) return "";
  const buffer = Buffer.alloc(Math.min(statSync(file).size, MAX_REPORT_BYTES + 1));
  const fd = openSync(file, "r");
  try {
    readSync(fd, buffer, 0, buffer.length, 0);
  } finally {
    closeSync(fd);
  }
  return buffer.toString("utf8");
}

function write(file: string, text: string): void {
  const absolute = userPath(file);
  mkdirSync(path.dirname(absolute), { recursive: true });
  writeFileSync(absolute, text);
}
