/**
 * The grade as GitHub-flavoured markdown: a table per chapter, then what to fix for each exercise that does
 * not pass yet. Everything that came from a test run is learner-controlled text, so it is escaped (in
 * tables) or fenced (in details) and capped in size.
 */
import { shortName } from "../manifest.ts";
import { bar, percent, STATUS_MARK, seconds } from "./format.ts";
import type { Report } from "./types.ts";

export interface MarkdownOptions {
  /** Cap for each test output shown (characters). */
  readonly maxOutput?: number;
  readonly heading?: string;
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

export function renderMarkdown(report: Report, options: MarkdownOptions = {}): string {
  const maxOutput = options.maxOutput ?? 2000;
  const out: string[] = [];
  out.push(
    `## ${options.heading ?? "Grade"}: ${report.score}/${report.max_score} (${percent(report.score, report.max_score)})`,
  );
  out.push("");
  if (!report.integrity.ok) {
    out.push(
      `> [!WARNING]\n> These protected files were changed; the grade used the course's own copies instead: ${report.integrity.changed_protected_files
        .map((f) => `\`${f.replace(/`/g, "")}\``)
        .join(", ")}`,
    );
    out.push("");
  }
  for (const chapter of report.chapters) {
    out.push(
      `### ${escapeInline(chapter.id)} · ${escapeInline(chapter.title)}: ${chapter.score}/${chapter.max_score} ${bar(chapter.score, chapter.max_score)}`,
    );
    out.push("");
    out.push("| | exercise | status | points | time |");
    out.push("|---|---|---|---:|---:|");
    for (const e of report.exercises.filter((x) => x.chapter === chapter.id)) {
      out.push(
        `| ${STATUS_MARK[e.status]} | ${escapeInline(shortName(e))} | ${e.status} | ${e.score}/${e.max_score} | ${seconds(e.duration_ms)} |`,
      );
    }
    out.push("");
  }
  const unfinished = report.exercises.filter((e) => e.status !== "passed");
  if (unfinished.length > 0) {
    out.push("### What to fix next");
    out.push("");
    for (const e of unfinished) {
      const failing = e.tests.find((t) => t.status === "failed");
      out.push(
        `<details><summary><b>${escapeInline(e.id)}</b>: ${e.status}: ${escapeInline(e.message, 200)}</summary>`,
      );
      out.push("");
      if (failing && e.status !== "not-started") {
        out.push(`First failing test: ${escapeInline(failing.name)}`);
        out.push("");
        out.push(fence(failing.output, maxOutput));
        out.push("");
      }
      out.push(`Run it locally: \`npm test -- ${shortName(e)}\`. Stuck? \`npm run hint -- ${shortName(e)}\``);
      out.push("");
      out.push("</details>");
      out.push("");
    }
  }
  out.push(
    report.next
      ? `**Next up:** ${escapeInline(report.next.id)}: \`${report.next.command}\``
      : "**Every exercise passes. Well done!**",
  );
  out.push("");
  out.push(
    `<sub>seed ${report.seed} · grader ${escapeInline(report.grader_version)} · ${report.execution_time} s</sub>`,
  );
  return `${out.join("\n")}\n`;
}
