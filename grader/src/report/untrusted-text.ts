/**
 * The one rule for text a submission can influence (error messages, test output, file and folder names,
 * learner ids) before any report shows it: what reaches a terminal, a JSON or Markdown report, GitHub or a
 * gradebook is plain text, colour at most.
 *
 * Kept: printable text as it is, line breaks (as "\n") and tabs, and SGR colour sequences (ESC [ … m),
 * which can only paint, unless the caller says it cannot show colour (the report model never does; the
 * terminal's last pass keeps its own). Removed: every other escape sequence whole (cursor movement, erasing, scrolling,
 * OSC titles and hyperlinks, DCS/SOS/PM/APC strings, single-character escapes such as "save cursor"),
 * every other C0 and C1 control (carriage return, backspace, bell, form feed, the 8-bit CSI…), and the
 * bidirectional controls that make text read otherwise than it is. A lone carriage return, NEL and the
 * Unicode line and paragraph separators are line breaks and become "\n": they would otherwise let text
 * start a line of its own, or overwrite ours, unseen.
 */

// One pass, alternatives in order: the first that matches at a position decides what happens to it.
// Written as raw strings: the escapes (\u001b is ESC) are for RegExp to read.
const SEQUENCES = new RegExp(
  [
    // SGR: colour and emphasis only.
    String.raw`(?<colour>\u001b\[[0-9;:]*m)`,
    // Any other CSI, 7-bit or 8-bit; cut short (no final byte), the introducer and parameters still go.
    String.raw`(?<csi>(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]?)`,
    // OSC, DCS, SOS, PM and APC strings up to their terminator (BEL or ST). One that is unterminated, or
    // that spans lines, falls through to the escape below, which drops its opener and leaves the rest as
    // visible text: a string never hides a line break.
    String.raw`(?<string>(?:\u001b[\]PX^_]|[\u0090\u0098\u009d-\u009f])[^\u0007\u001b\u009c\r\n\u0085\u2028\u2029]*(?:\u0007|\u001b\\|\u009c))`,
    // Every other escape: ESC, intermediate bytes, and a final byte when there is one.
    String.raw`(?<escape>\u001b[ -/]*[0-~]?)`,
    String.raw`(?<lineBreak>\r\n|[\r\n\u0085\u2028\u2029])`,
    String.raw`(?<tab>\t)`,
    String.raw`(?<control>[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069])`,
  ].join("|"),
  "g",
);

export interface Shown {
  /** False where colour cannot be shown (Markdown, a CSV cell) or where ours paints the text. */
  readonly colour?: boolean;
}

interface Treatment {
  readonly lineBreak: string;
  readonly tab: string;
  readonly colour: boolean;
}

function clean(text: string, treatment: Treatment): string {
  return text.replace(SEQUENCES, (match, ...rest: unknown[]) => {
    const groups = rest.at(-1) as Record<string, string | undefined>;
    if (groups.colour !== undefined) return treatment.colour ? match : "";
    if (groups.lineBreak !== undefined) return treatment.lineBreak;
    if (groups.tab !== undefined) return treatment.tab;
    return "";
  });
}

/** Shows where a line break was in text that must stay on one line. */
export const LINE_BREAK_MARK = "␊";

/** Untrusted text of many lines (test output): line breaks as "\n". */
export function untrustedText(text: string, shown: Shown = {}): string {
  return clean(text, { lineBreak: "\n", tab: "\t", colour: shown.colour ?? true });
}

/**
 * Untrusted text that must stay on one line (a message, a file name, a learner id): each line break shown
 * as "␊", so that nothing is lost and nothing starts a line of its own.
 */
export function untrustedLine(text: string, shown: Shown = {}): string {
  return clean(text, { lineBreak: LINE_BREAK_MARK, tab: " ", colour: shown.colour ?? true });
}
