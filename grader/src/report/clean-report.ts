/**
 * Where untrusted text enters the report model: every string of a report, an exercise's result or a
 * gradebook entry goes through the one rule of untrusted-text.ts. Fields named `output` (the report's
 * summary, a test's output) hold many lines; every other string (a message, a test or file name, a
 * learner id) stays on one line, its line breaks shown as "␊". Colour goes too: no report made from the
 * model is a terminal (JSON, Markdown, a gradebook), and the terminal paints its own. Walking every
 * string, rather than a list of fields, keeps a field added later from slipping through.
 */
import { untrustedLine, untrustedText } from "./untrusted-text.ts";

const MANY_LINES = new Set(["output"]);

export function cleanUntrusted<T>(value: T): T {
  return clean(value, undefined) as T;
}

function clean(value: unknown, key: string | undefined): unknown {
  if (typeof value === "string")
    return key !== undefined && MANY_LINES.has(key)
      ? untrustedText(value, { colour: false })
      : untrustedLine(value, { colour: false });
  if (Array.isArray(value)) return value.map((item) => clean(item, undefined));
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, clean(item, name)]));
  return value;
}
