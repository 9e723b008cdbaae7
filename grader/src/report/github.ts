/**
 * GitHub Actions output: the job summary (a table per chapter) and annotations on the learner's files for
 * failed tests. Everything here may contain learner-controlled text (test output, messages), so it is
 * cleaned by the rule every report follows (untrusted-text.ts) and escaped for workflow commands, and the
 * grader's own printing is fenced with ::stop-commands:: so that nothing the learner's code printed can be
 * read as a workflow command.
 */
import { randomBytes } from "node:crypto";
import { appendFileSync } from "node:fs";
import path from "node:path";
import { relativeToRoot } from "../paths.ts";
import { firstLine } from "../score.ts";
import { renderMarkdown } from "./markdown.ts";
import type { Report } from "./types.ts";
import { untrustedLine, untrustedText } from "./untrusted-text.ts";

export const isGitHubActions = (): boolean => process.env.GITHUB_ACTIONS === "true";

/** Escape a workflow command's message (data after the final "::"). */
export function escapeData(text: string): string {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/** Escape a workflow command's property value (file=, title=, …). */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

export interface Annotation {
  readonly file: string;
  readonly line: number;
  readonly title: string;
  readonly message: string;
}

/** One annotation per failed test whose failure points into a learner file (at most `limit`). */
export function annotationsFor(report: Report, limit = 30): Annotation[] {
  const annotations: Annotation[] = [];
  for (const exercise of report.exercises) {
    const withLocation = exercise.tests.filter((t) => t.status === "failed" && t.location);
    for (const test of withLocation) {
      const given = test.location!.file;
      const file = path.isAbsolute(given) ? relativeToRoot(given) : given;
      if (file.startsWith("..")) continue; // outside the checkout: nothing to annotate
      annotations.push({
        file,
        line: test.location!.line,
        title: test.name,
        message: capped(test.output, 2000),
      });
    }
    // Exercises that failed without a location still get one annotation, on their first file.
    if (withLocation.length === 0 && !["passed", "not-started"].includes(exercise.status)) {
      const test = exercise.tests.find((t) => t.status === "failed");
      annotations.push({
        file: `exercises/${exercise.id}.ts`,
        line: 1,
        title: `${exercise.id}: ${exercise.status}`,
        message: capped(`${exercise.message}${test ? `\n\n${test.name}\n${test.output}` : ""}`, 2000),
      });
    }
  }
  return annotations.slice(0, limit);
}

export function annotationCommand(annotation: Annotation): string {
  const line = (text: string) => untrustedLine(text, { colour: false });
  const props = `file=${escapeProperty(line(annotation.file))},line=${annotation.line},title=${escapeProperty(line(firstLine(annotation.title)))}`;
  return `::error ${props}::${escapeData(untrustedText(annotation.message, { colour: false }))}`;
}

/** Turn workflow commands off until `resume()` is called; the token is unguessable by learner code. */
export function stopCommands(write: (text: string) => void = (t) => process.stdout.write(t)): {
  resume: () => void;
} {
  const token = randomBytes(16).toString("hex");
  write(`::stop-commands::${token}\n`);
  return { resume: () => write(`::${token}::\n`) };
}

/** Write the job summary and the annotations for a finished grade. */
export function publishToGitHub(
  report: Report,
  write: (text: string) => void = (t) => process.stdout.write(t),
): void {
  const summaryFile = process.env.GITHUB_STEP_SUMMARY;
  if (summaryFile) appendFileSync(summaryFile, renderMarkdown(report, { heading: "Grade", maxOutput: 3000 }));
  for (const annotation of annotationsFor(report)) write(`${annotationCommand(annotation)}\n`);
}

function capped(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
