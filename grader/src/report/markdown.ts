/**
 * The grade as GitHub-flavoured markdown: a table per chapter, then what to fix for each exercise that does
 * not pass yet. One renderer serves the `--markdown` report, the job summary and the pull-request comment.
 *
 * Everything that came from a test run is learner-controlled text, so it is escaped (in tables and
 * summaries) or fenced (in details), and capped in size.
 */
import { shortName } from "../manifest.ts";
import { bar, percent, STATUS_MARK, seconds } from "./format.ts";
import type { Report } from "./types.ts";

export interface MarkdownOptions {
  readonly heading?: string;
  /** Cap for each test output shown (characters). */
  readonly maxOutput?: number;
  /** Scores from the previous grade, by exercise id: adds a "change" column and a summary line. */
  readonly previous?: ReadonlyMap<string, number>;
  /** The next hint to read (trusted text from the course manifest). */
  readonly nextHint?: string;
  /** Protected files changed, as found by trusted code (merged with the report's own list). */
  readonly changedProtected?: readonly string[];
  /** Hard cap for the whole document; details are dropped first to stay under it. */
  readonly maxLength?: number;
}

/** Escape text for a markdown table cell or inline text: no HTML, no links, no mentions, no table breaks. */
export function escapeInline(text: string, max = 300): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  const capped = oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
  return capped.replace(/[\\`*_{}[\]()<>#+!|~@:&]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Put text in a code fence that it cannot close. */
export function fence(text: string, max: number): string {
  const capped = text.length > max ? `${text.slice(0, max)}\n… (${text.length - max} more characters)` : text;
  const longestRun = Math.max(2, ...[...capped.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = "`".repeat(longestRun + 1);
  return `${ticks}text\n${capped}\n${ticks}`;
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : n < 0 ? `−${-n}` : "±0";
}

export function renderMarkdown(report: Report, options: MarkdownOptions = {}): string {
  const head = renderHead(report, options);
  const details = renderDetails(report, options.maxOutput ?? 2000);
  const tail = renderTail(report, options);
  const max = options.maxLength ?? Number.POSITIVE_INFINITY;
  // Keep the tables whole; drop details from the end until the document fits.
  const kept: string[] = [];
  let length = head.length + tail.length;
  for (const block of details) {
    if (length + block.length > max - 200) {
      kept.push(
        `_${details.length - kept.length} more exercise(s) not shown: the report is too long for one comment._\n`,
      );
      break;
    }
    kept.push(block);
    length += block.length;
  }
  const text = [head, kept.length > 0 ? `### What to fix next\n\n${kept.join("")}` : "", tail].join("");
  return text.length > max ? `${text.slice(0, max - 40)}\n\n_(cut to fit)_\n` : text;
}

function renderHead(report: Report, options: MarkdownOptions): string {
  const out: string[] = [];
  const previousTotal = options.previous
    ? report.exercises.reduce((sum, e) => sum + (options.previous?.get(e.id) ?? 0), 0)
    : undefined;
  const change =
    previousTotal !== undefined ? ` (${signed(report.score - previousTotal)} since the last push)` : "";
  out.push(
    `## ${options.heading ?? "Grade"}: ${report.score}/${report.max_score} (${percent(report.score, report.max_score)})${change}`,
    "",
  );
  const changed = [
    ...new Set([...report.integrity.changed_protected_files, ...(options.changedProtected ?? [])]),
  ];
  if (changed.length > 0) {
    const list = changed.slice(0, 30).map((f) => `\`${f.replace(/[`\n]/g, "")}\``);
    out.push(
      "> [!WARNING]",
      `> This change edits protected files; grading used the course's own copies and ignored the edits: ${list.join(", ")}${changed.length > 30 ? ", …" : ""}`,
      "",
    );
  }
  if (options.previous) {
    const now = new Map(report.exercises.map((e) => [e.id, e] as const));
    const newlyPassing = report.exercises.filter(
      (e) => e.status === "passed" && (options.previous?.get(e.id) ?? 0) < e.max_score,
    );
    const regressed = report.exercises.filter((e) => e.score < (options.previous?.get(e.id) ?? 0));
    const notes = [
      ...newlyPassing.map((e) => `✓ ${escapeInline(shortName(e))} now passes`),
      ...regressed.map(
        (e) =>
          `✗ ${escapeInline(shortName(e))} lost ${(options.previous?.get(e.id) ?? 0) - (now.get(e.id)?.score ?? 0)} points`,
      ),
    ];
    if (notes.length > 0) out.push(`Since the last push: ${notes.join(" · ")}`, "");
  }
  for (const chapter of report.chapters) {
    out.push(
      `### ${escapeInline(chapter.id)} · ${escapeInline(chapter.title)}: ${chapter.score}/${chapter.max_score} ${bar(chapter.score, chapter.max_score)}`,
      "",
    );
    const changeColumn = options.previous !== undefined;
    out.push(`| | exercise | status | points |${changeColumn ? " change |" : ""} time |`);
    out.push(`|---|---|---|---:|${changeColumn ? "---:|" : ""}---:|`);
    for (const e of report.exercises.filter((x) => x.chapter === chapter.id)) {
      const delta = changeColumn ? ` ${signed(e.score - (options.previous?.get(e.id) ?? 0))} |` : "";
      out.push(
        `| ${STATUS_MARK[e.status]} | ${escapeInline(shortName(e))} | ${e.status} | ${e.score}/${e.max_score} |${delta} ${seconds(e.duration_ms)} |`,
      );
    }
    out.push("");
  }
  return `${out.join("\n")}\n`;
}

function renderDetails(report: Report, maxOutput: number): string[] {
  return report.exercises
    .filter((e) => e.status !== "passed")
    .map((e) => {
      const out: string[] = [];
      const failing = e.tests.find((t) => t.status === "failed");
      out.push(
        `<details><summary><b>${escapeInline(e.id)}</b>: ${e.status}: ${escapeInline(e.message, 200)}</summary>`,
        "",
      );
      if (failing && e.status !== "not-started") {
        out.push(
          `First failing test: ${escapeInline(failing.name)}`,
          "",
          fence(failing.output, maxOutput),
          "",
        );
      }
      out.push(
        // The same seed replays the very runs that failed here, counterexample included.
        `Reproduce it: \`COURSE_SEED=${report.seed} npm test -- ${shortName(e)}\` · stuck? \`npm run hint -- ${shortName(e)}\``,
        "",
        "</details>",
        "",
      );
      return `${out.join("\n")}\n`;
    });
}

function renderTail(report: Report, options: MarkdownOptions): string {
  const out: string[] = [];
  if (report.next) {
    out.push(`**Next up:** ${escapeInline(report.next.id)}: \`${report.next.command}\``);
    // The hint is the course's own text (from the trusted manifest), so it keeps its markdown.
    if (options.nextHint) out.push("", `> 💡 **Hint:** ${options.nextHint.replace(/\s+/g, " ")}`);
  } else {
    out.push("**Every exercise passes. Well done!**");
  }
  out.push(
    "",
    `<sub>seed ${report.seed} · grader ${escapeInline(report.grader_version)} · ${report.execution_time} s</sub>`,
    "",
  );
  return out.join("\n");
}
