/** Text an attacker would put in an error message, a test's output or a folder name, for property tests. */
import fc from "fast-check";

const ESC = "\u001b";

/** Every character the rule of untrusted-text.ts removes or turns into a line break. */
export const CONTROL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;

/** SGR colour sequences, the only escape sequences the rule keeps. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts the colour sequences this finds.
export const COLOUR = /\u001b\[[0-9;:]*m/g;

/** Pieces an attacker would use, mixed with arbitrary text (UTF-16 code units included). */
const hostilePiece = fc.oneof(
  fc.constantFrom(
    `${ESC}[2J`,
    `${ESC}[3A`,
    `${ESC}[1;1H`,
    `${ESC}[K`,
    `${ESC}[?25l`,
    `${ESC}[>4;2m`,
    `${ESC}[31m`,
    `${ESC}[0m`,
    `${ESC}[38;2;1;2;3m`,
    `${ESC}[`,
    `${ESC}[12`,
    `${ESC}]0;title\u0007`,
    `${ESC}]8;;https://evil.example${ESC}\\`,
    `${ESC}]unterminated`,
    `${ESC}P1$r${ESC}\\`,
    `${ESC}_apc${ESC}\\`,
    `${ESC}^pm\u009c`,
    `${ESC}Xsos`,
    `${ESC}7`,
    `${ESC}8`,
    `${ESC}c`,
    `${ESC}(B`,
    `${ESC}#8`,
    ESC,
    "\u009b2J",
    "\u009d0;t\u0007",
    "\u0090",
    "\u009c",
    "\r",
    "\n",
    "\r\n",
    "\t",
    "\b",
    "\u0007",
    "\f",
    "\v",
    "\u0000",
    "\u007f",
    "\u0085",
    "\u2028",
    "\u2029",
    "\u202e",
    "\u2066",
    "\u200f",
    "\n✓ passed        async-mutex     12/12",
    "Score 375/375",
    "\n01-concepts · Concepts  12/12",
    "\nScore 375/375 (100%) in 1.0 s",
  ),
  fc.string({ maxLength: 6 }),
  fc.string({ unit: "binary", maxLength: 4 }),
);
export const hostile = fc.array(hostilePiece, { maxLength: 12 }).map((pieces) => pieces.join(""));

/** Text without any control character: what a learner types in a message and we must show as it is. */
export const printable = fc
  .string({ unit: "grapheme", maxLength: 40 })
  .map((text) => text.replace(new RegExp(CONTROL.source, "g"), "").replace(/[\n\t]/g, ""));
