/**
 * The grade as GitHub-flavoured markdown: a table per chapter, then what to fix for each exercise that does
 * not pass yet. One renderer serves the `--markdown` report, the job summary and the pull-request comment.
 *
 * Everything that came from a test run is learner-controlled text: cleaned by the rule every report follows
 * (untrusted-text.ts), then escaped (in tables and summaries) or fenced (in details), and capped in size.
 */
import { shortName } from "../manifest.ts";
import { bar, likelyMistakeLine, percent, STATUS_MARK, seconds } from "./format.ts";
import type { Report } from "./types.ts";
import { untrustedLine, untrustedText } from "./untrusted-text.ts";

/** The only shape of replay line shown from a report: our command and a base64url token. */
const REPLAY_LINE = /^npm test -- [a-z0-9-]+ --replay [A-Za-z0-9_-]{1,800}$/;

export interface MarkdownOptions {
  readonly heading?: string;
  /** Cap for each test output shown (characters). */
  readonly maxOutput?: number;
  /** Scores from the previous grade, by exercise id: adds a "change" column and a summary line. */
  readonly previous?: ReadonlyMap<string, number>;
  /** The next hint to read (trusted text from the course manifest). */
  readonly nextHint?: string;
  /**
   * Files the pull request changes, as trusted code found them (GitHub's API), merged with the report's own
   * list: workflows, and other protected files.
   */
  readonly changed?: { readonly workflows: readonly string[]; readonly protected: readonly string[] };
  /** Hard cap for the whole document; details are dropped first to stay under it. */
  readonly maxLength?: number;
}

/** Cut to at most `max` characters (whole code points), marking the cut. */
function cap(text: string, max: number): string {
  const chars = [...text];
  return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : text;
}

/**
 * Escape text for a markdown table cell or inline text: one line, no control characters, no HTML, no
 * links or autolinks, no images, no mentions, no table breaks, no emphasis.
 */
export function escapeInline(text: string, max = 300): string {
  const oneLine = untrustedLine(text, { colour: false }).replace(/\s+/g, " ").trim();
  return (
    cap(oneLine, max)
      .replace(/[\\`*_{}[\]()<>#+!|~:&$=]/g, (c) => `&#${c.charCodeAt(0)};`)
      // A zero-width space after "@" keeps "@someone" from notifying anyone; "www." would autolink.
      .replace(/@/g, "&#64;&#8203;")
      .replace(/(w{3})\./gi, "$1&#46;")
  );
}

/** Put text in a code fence that it cannot close: clean text (untrusted-text.ts), without colour. */
export function fence(text: string, max: number): string {
  const clean = untrustedText(text, { colour: false }).replace(/\t/g, "  ");
  const capped =
    clean.length > max ? `${clean.slice(0, max)}\n… (${clean.length - max} more characters)` : clean;
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
  out.push(...renderChangedFiles(report, options));
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

/** Where GitHub takes a pull request's workflows from: the pull request itself. */
export const WORKFLOWS = ".github/workflows/";
/** At most this many file names are listed in each note. */
const MAX_LISTED = 30;

function listFiles(files: readonly string[]): string {
  const shown = files.slice(0, MAX_LISTED).map((f) => escapeInline(f, 200));
  return `${shown.join(", ")}${files.length > MAX_LISTED ? `, and ${files.length - MAX_LISTED} more` : ""}`;
}

/** The warning for a pull request that changes workflows (file names escaped). */
export function changedWorkflowsNote(workflows: readonly string[]): string[] {
  return [
    "> [!CAUTION]",
    `> This pull request changes workflows: ${listFiles(workflows)}. On GitHub a pull request runs its own version of them, so this grading run was made by the pull request's changed workflow and its score is not evidence. Only your teacher's re-grade with the course's own tests counts.`,
    "",
  ];
}

/**
 * What the pull request changed that it should not have. A changed workflow means GitHub ran the pull
 * request's own version of it, so nothing about this grading run can be vouched for; other protected files
 * are really ignored, because grading runs from the base commit and takes only the learner files.
 */
function renderChangedFiles(report: Report, options: MarkdownOptions): string[] {
  const all = [
    ...new Set([
      ...report.integrity.changed_protected_files,
      ...(options.changed?.workflows ?? []),
      ...(options.changed?.protected ?? []),
    ]),
  ].sort();
  const workflows = all.filter((f) => f.startsWith(WORKFLOWS));
  const others = all.filter((f) => !f.startsWith(WORKFLOWS));
  const out: string[] = [];
  if (workflows.length > 0) {
    out.push(...changedWorkflowsNote(workflows));
    if (others.length > 0) {
      out.push("> [!WARNING]", `> It also changes protected files: ${listFiles(others)}.`, "");
    }
  } else if (others.length > 0) {
    out.push(
      "> [!WARNING]",
      `> This change edits protected files; grading used the course's own copies and ignored the edits: ${listFiles(others)}.`,
      "",
    );
  }
  return out;
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
      const looksLike = e.status === "not-started" ? undefined : likelyMistakeLine(e);
      if (looksLike) out.push(`💡 ${escapeInline(looksLike, 400)}`, "");
      // The failure's own replay line when it has a well-formed one (the report may be untrusted), else
      // the grading seed, which replays the very runs that failed here, counterexample included.
      const replay =
        failing?.replay && REPLAY_LINE.test(failing.replay)
          ? failing.replay
          : `COURSE_SEED=${report.seed} npm test -- ${shortName(e)}`;
      out.push(
        `Reproduce it: \`${replay}\` · stuck? \`npm run hint -- ${shortName(e)}\``,
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
  out.push("", ...renderIntegrity(report));
  out.push(
    `<sub>seed ${report.seed} · grader ${escapeInline(report.grader_version)} · ${report.execution_time} s</sub>`,
    "",
  );
  return out.join("\n");
}

/** The protection learner code ran under, and what the grader refused or caught. */
function renderIntegrity(report: Report): string[] {
  const { sandbox, tampering, ignored_files: ignored = [] } = report.integrity;
  const lines = [
    sandbox === "none"
      ? "- Sandbox: none (learner code ran unprotected; a self-check, not a grade to rely on)"
      : `- Sandbox: ${escapeInline(sandbox, 40)}`,
  ];
  if (tampering.length > 0) {
    const shown = tampering
      .slice(0, 10)
      .map((t) => `${escapeInline(t.exercise, 80)} (${escapeInline(t.reason, 200)})`);
    lines.push(
      `- Tampering caught, scored 0: ${shown.join("; ")}${tampering.length > 10 ? `; and ${tampering.length - 10} more` : ""}`,
    );
  }
  if (ignored.length > 0) {
    lines.push(`- Ignored (they could shadow the course's own files): ${listFiles(ignored)}`);
  }
  return ["### Integrity", "", ...lines, ""];
}
