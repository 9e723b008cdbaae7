/**
 * The grade as a terminal table grouped by chapter, and a progress line while grading runs.
 *
 * A message quotes the learner's code, so it may try to pass for a row of the table or for the score line.
 * It never can: it is one clean line (untrusted-text.ts: line breaks shown as "␊"), shown without its own
 * colour after our status, name and points, and on a terminal it is cut to fit the row, so that wrapping
 * cannot start a line with it either. The whole table goes through the same rule once more on its way out.
 */

import type { ProgressEvent } from "../grade.ts";
import { shortName } from "../manifest.ts";
import { likelyMistakeLine, percent, STATUS_MARK, seconds } from "./format.ts";
import type { Report } from "./types.ts";
import { untrustedLine, untrustedText } from "./untrusted-text.ts";

const useColor = () => process.stdout.isTTY === true && !process.env.NO_COLOR;
const paint = (code: number, text: string) => (useColor() ? `\u001b[${code}m${text}\u001b[0m` : text);
const dim = (text: string) => paint(2, text);
const bold = (text: string) => paint(1, text);

const STATUS_COLOR: Record<string, number> = { passed: 32, partial: 33, "not-started": 2, timeout: 35 };

/** The terminal's width when output goes to one; rows are cut to it. */
const terminalColumns = () => (process.stdout.isTTY === true ? process.stdout.columns : undefined);

export function renderTerminal(
  report: Report,
  heading: string,
  columns: number | undefined = terminalColumns(),
): string {
  const lines: string[] = [bold(untrustedLine(heading, { colour: false })), ""];
  const nameWidth = Math.max(12, ...report.exercises.map((e) => shortName(e).length));
  for (const chapter of report.chapters) {
    lines.push(`${bold(`${chapter.id} · ${chapter.title}`)}  ${chapter.score}/${chapter.max_score}`);
    for (const e of report.exercises.filter((x) => x.chapter === chapter.id)) {
      const mark = `${STATUS_MARK[e.status]} ${e.status.padEnd(13)}`;
      const points = `${e.score}/${e.max_score}`.padStart(7);
      const name = shortName(e).padEnd(nameWidth);
      const room = columns === undefined ? undefined : columns - width(`  ${mark} ${name} ${points}  `) - 1;
      const message = fitted(untrustedLine(e.message, { colour: false }), room);
      lines.push(`  ${paint(STATUS_COLOR[e.status] ?? 31, mark)} ${name} ${points}  ${dim(message)}`);
      const replay = e.status === "not-started" ? undefined : e.tests.find((t) => t.replay)?.replay;
      if (replay) lines.push(`  ${" ".repeat(15 + nameWidth + 8)}${dim(`↻ replay: ${replay}`)}`);
      const looksLike = likelyMistakeLine(e);
      if (looksLike) lines.push(`  ${" ".repeat(15 + nameWidth + 8)}${paint(33, looksLike)}`);
    }
    lines.push("");
  }
  lines.push(
    `${bold(`Score ${report.score}/${report.max_score}`)} (${percent(report.score, report.max_score)}) in ${seconds(report.execution_time * 1000)}`,
  );
  for (const warning of integrityWarnings(report)) lines.push(paint(33, warning));
  lines.push(
    dim(
      `learner code ran in: ${report.integrity.sandbox === "none" ? "no sandbox (a self-check)" : report.integrity.sandbox}`,
    ),
  );
  lines.push(
    report.next ? `next up: ${report.next.id} — ${report.next.command}` : "Every exercise passes. Well done!",
  );
  return untrustedText(lines.join("\n"));
}

/** Columns a character takes on a terminal, near enough: wide (East Asian, emoji) two, combining none. */
function columnsOf(char: string): number {
  return WIDE.test(char) ? 2 : ZERO_WIDTH.test(char) ? 0 : 1;
}
const WIDE =
  /[\p{Emoji_Presentation}\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3000-\u303f\uff01-\uff60\uffe0-\uffe6]/u;
const ZERO_WIDTH = /[\p{Mn}\p{Me}\p{Cf}]/u;

function width(text: string): number {
  return [...text].reduce((sum, char) => sum + columnsOf(char), 0);
}

/** `text` cut to `room` columns, marked "…" where it was cut; whole when there is no limit. */
function fitted(text: string, room: number | undefined): string {
  if (room === undefined || width(text) <= room) return text;
  let kept = "";
  let used = 0;
  for (const char of text) {
    used += columnsOf(char);
    if (used > Math.max(1, room - 1)) break;
    kept += char;
  }
  return `${kept}…`;
}

/** One line for each thing about the submission's integrity that a reader should look at. */
export function integrityWarnings(report: Pick<Report, "integrity">): string[] {
  const { changed_protected_files: changed, tampering, ignored_files: ignored } = report.integrity;
  return [
    ...(changed.length > 0
      ? [`Protected files changed (their changes were ignored): ${changed.join(", ")}`]
      : []),
    ...tampering.map((t) => `${t.exercise} scored 0: ${t.reason}`),
    ...(ignored.length > 0
      ? [`Ignored in the submission (the course's own are used): ${ignored.join(", ")}`]
      : []),
  ];
}

/** Prints progress: one rewritten line on a terminal, one line per finished exercise otherwise. */
export function progressPrinter(stream: NodeJS.WriteStream = process.stderr): (event: ProgressEvent) => void {
  const running = new Set<string>();
  let finished = 0;
  const tty = stream.isTTY === true;
  const started = performance.now();
  return (event) => {
    if (event.kind === "typecheck") {
      if (tty) stream.write("\rtype-checking your files…");
      else stream.write("type-checking your files…\n");
      return;
    }
    if (event.kind === "start") {
      running.add(shortName(event.exercise));
    } else {
      running.delete(shortName(event.report));
      if (!tty) {
        const { report } = event;
        stream.write(
          `[${event.done}/${event.total}] ${report.id} ${report.status} ${report.score}/${report.max_score} (${seconds(report.duration_ms)})\n`,
        );
        return;
      }
    }
    if (!tty) return;
    if (event.kind === "done") finished = event.done;
    const elapsed = seconds(performance.now() - started);
    const line = `grading ${finished}/${event.total} done · ${elapsed}${running.size > 0 ? ` · running ${[...running].join(", ")}` : ""}`;
    stream.write(`\r\u001b[2K${line}`);
    if (finished === event.total) stream.write("\r\u001b[2K");
  };
}
