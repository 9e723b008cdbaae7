/**
 * Stack frames of learner code, moved from the compiled program back to the learner's own file, so that a
 * failure points at the line the learner wrote (in the terminal, the report and GitHub's annotations).
 */
import { PROGRAM_LINE_OFFSET } from "./compile.ts";

/** For each generated line, its segments: [generated column, original line, original column]. */
type Mappings = Array<Array<readonly [number, number, number]>>;

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGIT = new Map([...BASE64].map((char, index) => [char, index]));

/** Decode a source map's "mappings" (base64 VLQ, zero-based lines and columns). */
export function decodeMappings(mappings: string): Mappings {
  const lines: Mappings = [];
  let originalLine = 0;
  let originalColumn = 0;
  let source = 0;
  for (const line of mappings.split(";")) {
    const segments: Array<readonly [number, number, number]> = [];
    let generatedColumn = 0;
    for (const segment of line.split(",")) {
      if (segment === "") continue;
      const fields = decodeVlq(segment);
      generatedColumn += fields[0] ?? 0;
      if (fields.length >= 4) {
        source += fields[1]!;
        originalLine += fields[2]!;
        originalColumn += fields[3]!;
        if (source === 0) segments.push([generatedColumn, originalLine, originalColumn]);
      }
    }
    lines.push(segments);
  }
  return lines;
}

function decodeVlq(segment: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = DIGIT.get(char);
    if (digit === undefined) return values;
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    values.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  return values;
}

/** The learner-file position (1-based) of a 1-based position in the compiled program, if mapped. */
export function originalPosition(
  mappings: Mappings,
  line: number,
  column: number,
): { line: number; column: number } | undefined {
  const segments = mappings[line - 1 - PROGRAM_LINE_OFFSET];
  if (!segments || segments.length === 0) return undefined;
  let best = segments[0]!;
  for (const segment of segments) {
    if (segment[0] <= column - 1) best = segment;
    else break;
  }
  return { line: best[1] + 1, column: best[2] + 1 };
}

const maps = new Map<string, Mappings>();

/** Remember how to map frames of `url` (a learner file's URL, the program's sourceURL). */
export function registerSourceMap(url: string, sourceMap: string): void {
  const parsed = JSON.parse(sourceMap) as { mappings?: string };
  maps.set(url, decodeMappings(parsed.mappings ?? ""));
}

/** `stack` with every frame in a registered learner file moved to the position the learner wrote. */
export function mapStack(stack: string): string {
  if (maps.size === 0) return stack;
  return stack.replace(
    /(file:\/\/[^\s():]+):(\d+):(\d+)/g,
    (frame, url: string, line: string, column: string) => {
      const mappings = maps.get(url);
      const position = mappings && originalPosition(mappings, Number(line), Number(column));
      return position ? `${url}:${position.line}:${position.column}` : frame;
    },
  );
}
