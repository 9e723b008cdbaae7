/**
 * Steps of the pull-request workflows, kept here (tested) rather than in YAML:
 *   ci integrity --base SHA --head-dir DIR --out FILE
 *       list the protected files that the pull request checked out in DIR changes since it left SHA
 *       (nothing is restored or run: grading happens in the base commit's checkout)
 *   ci comment --report FILE [--previous FILE] [--changed FILE] --out FILE
 *       render the pull-request comment from an untrusted report, checked against this checkout's manifest;
 *       --changed is a JSON array of the files the pull request changes, from GitHub's API
 */
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { changedProtectedFiles } from "../ci/integrity.ts";
import { loadCourse } from "../manifest.ts";
import { userPath } from "../paths.ts";
import { MAX_REPORT_BYTES, renderComment } from "../report/comment.ts";
import { untrustedLine } from "../report/untrusted-text.ts";
import { UsageError } from "./errors.ts";

export async function ciCommand(argv: readonly string[]): Promise<number> {
  const [step, ...rest] = argv;
  if (step === "integrity") return integrity(rest);
  if (step === "comment") return comment(rest);
  throw new UsageError(`unknown ci step "${step ?? ""}"; expected integrity or comment`);
}

function integrity(argv: readonly string[]): number {
  const { values } = parseArgs({
    args: [...argv],
    options: { base: { type: "string" }, "head-dir": { type: "string" }, out: { type: "string" } },
    strict: true,
  });
  if (!values.base || !/^[0-9a-f]{7,64}$/i.test(values.base))
    throw new UsageError("ci integrity needs --base <commit sha>");
  if (!values["head-dir"])
    throw new UsageError("ci integrity needs --head-dir <the pull request's checkout>");
  if (!values.out) throw new UsageError("ci integrity needs --out FILE");
  const headDir = userPath(values["head-dir"]);
  if (!existsSync(headDir) || !statSync(headDir).isDirectory())
    throw new UsageError(`--head-dir ${values["head-dir"]}: no such folder`);
  // The manifest of this checkout (the base commit's, trusted) says what is protected.
  let result: ReturnType<typeof changedProtectedFiles>;
  try {
    result = changedProtectedFiles(loadCourse(), values.base, headDir);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const changed = result.changed_protected_files;
  console.log(
    changed.length === 0
      ? "The pull request changes no protected file."
      : `The pull request changes ${changed.length} protected file(s); grading uses the base commit's: ${changed.map((f) => JSON.stringify(untrustedLine(f))).join(", ")}`,
  );
  write(values.out, `${JSON.stringify(result, null, 2)}\n`);
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
  const changedFiles = values.changed ? readChangedFiles(values.changed) : undefined;
  const body = renderComment({
    reportText,
    course,
    ...(previousComment !== undefined ? { previousComment } : {}),
    ...(changedFiles ? { changedFiles } : {}),
  });
  write(values.out, body);
  console.log(`Wrote the comment (${body.length} characters) to ${values.out}`);
  return 0;
}

/** The files the pull request changes (GitHub's API, trusted): a JSON array of paths. */
function readChangedFiles(file: string): string[] {
  let data: unknown;
  try {
    data = JSON.parse(readCapped(file));
  } catch {
    data = undefined;
  }
  // Without a trustworthy list the comment could not say whether a workflow changed: refuse to guess.
  if (!Array.isArray(data) || !data.every((f) => typeof f === "string"))
    throw new UsageError(`--changed ${file}: expected a JSON array of file paths`);
  return data;
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
