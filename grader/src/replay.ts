import { RUN_ENV } from "./vitest/env.ts";

/**
 * One line that replays a failure: which test, and fast-check's seed and path for it. A failing
 * property prints `{ seed: …, path: "…" }`; packed into a token, `npm test -- <exercise> --replay <token>`
 * runs only that test, from that seed. fast-check draws and shrinks deterministically, so the test meets
 * the same failing case (for scheduler tests, the same schedule) and shrinks it to the same counterexample,
 * as long as what fails does not depend on timing; verify checks that of every mutant's first failure.
 * The path travels in the token but is not handed back to fast-check: with it, fast-check would skip
 * straight to the case, which breaks tests that hold several properties.
 */

export interface ReplayCase {
  /** The test's full name, suites and test joined by " > ". */
  readonly test: string;
  readonly seed: number;
  readonly path: string;
}

const FAILURE = /\{ seed: (-?\d+), path: "([0-9:]*)"/;

/** The seed and path of a fast-check failure message, if it is one. */
export function failedCase(message: string): { seed: number; path: string } | undefined {
  const match = FAILURE.exec(message);
  return match ? { seed: Number(match[1]), path: match[2]! } : undefined;
}

/** fast-check's counterexample in a failure (the lines after "Counterexample:", up to "Shrunk"), if any. */
export function counterexampleOf(output: string): string | undefined {
  return /\nCounterexample: ([\s\S]*?)\n(?:Shrunk \d+ time|Got |Caused by|$)/.exec(output)?.[1]?.trim();
}

export function encodeReplay(replay: ReplayCase): string {
  return Buffer.from(JSON.stringify([replay.test, replay.seed, replay.path]), "utf8").toString("base64url");
}

export class ReplayTokenError extends Error {
  override name = "ReplayTokenError";
}

export function decodeReplay(token: string): ReplayCase {
  try {
    const [test, seed, path] = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as unknown[];
    if (
      typeof test === "string" &&
      Number.isInteger(seed) &&
      typeof path === "string" &&
      /^[0-9:]*$/.test(path)
    )
      return { test, seed: seed as number, path };
  } catch {
    // Falls through to the error below.
  }
  throw new ReplayTokenError(
    `--replay ${token.slice(0, 40)}: not a replay token; copy the whole token from the failure's "replay:" line`,
  );
}

/** The command a learner types to replay a failure of `exercise` (its short name). */
export function replayCommand(exercise: string, replay: ReplayCase): string {
  return `npm test -- ${exercise} --replay ${encodeReplay(replay)}`;
}

/** vitest's -t pattern matching exactly this test (vitest joins suite and test names with spaces). */
export function testNamePattern(test: string): string {
  const escaped = test
    .split(" > ")
    .join(" ")
    .replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return `^${escaped}$`;
}

/** The replay line's parts, as `npm test` reads them: the exercise and the token. */
const REPLAY_LINE = /^npm test -- (\S+) --replay (\S+)$/;

export function parseReplayLine(line: string): { exercise: string; token: string } | undefined {
  const match = REPLAY_LINE.exec(line.trim());
  return match ? { exercise: match[1]!, token: match[2]! } : undefined;
}

/**
 * What replaying changes in a test run: the failure's seed and path for the setup, and a filter that
 * runs only its test. `npm test --replay` and verify's replay check both run through this.
 */
export function replayRun(replay: ReplayCase): { env: Record<string, string>; vitestArgs: string[] } {
  return {
    env: { [RUN_ENV.replay]: JSON.stringify({ seed: replay.seed, path: replay.path }) },
    vitestArgs: ["-t", testNamePattern(replay.test)],
  };
}
