/**
 * What the hostile corpus checks after every attack: that no file the course trusts changed, and that no
 * process of a grading run outlived it. Also whether this machine can run the sandboxed cases at all.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fromRoot, scratchDir } from "../src/paths.ts";
import { RUN_MARKER_ENV } from "../src/run/reap.ts";
import { detectSandbox } from "../src/run/sandbox.ts";

const sandbox = detectSandbox();
/** The end-to-end attacks need bubblewrap; where it is missing they are skipped, saying why. */
export const sandboxed = sandbox.kind === "bubblewrap";
export const noSandboxReason = sandbox.reason;

/** Every file the course trusts, by content: tests, given code, grader, the packages that judge. */
export function trustedDigest(): Map<string, string> {
  const roots = [
    "exercises",
    "grader/src",
    "grader/harness",
    "grader/course.json",
    "node_modules/fast-check",
    "node_modules/vitest",
    "node_modules/@vitest",
    "node_modules/chai",
    "solutions",
  ];
  const digest = new Map<string, string>();
  const walk = (relative: string) => {
    const absolute = fromRoot(relative);
    const stat = statSync(absolute, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) {
      for (const name of readdirSync(absolute)) walk(path.join(relative, name));
    } else if (stat.isFile()) {
      digest.set(relative, createHash("sha256").update(readFileSync(absolute)).digest("hex"));
    }
  };
  for (const root of roots) walk(root);
  return digest;
}

/** The trusted files whose content differs between two digests. */
export function changedBetween(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>) {
  return [...new Set([...before.keys(), ...after.keys()])].filter((f) => before.get(f) !== after.get(f));
}

/** Processes that grade here: this test process, and the command lines it started (a batch). */
const graders = new Set<number>([process.pid]);

/** Count the runs of `pid` (a command line this test started, e.g. a batch) as this test's own. */
export function gradesForUs(pid: number | undefined): void {
  if (pid !== undefined) graders.add(pid);
}

/**
 * Processes of runs that these tests started and that are still there. Only ours: verify runs the grader's
 * tests beside its own exercise runs, and other test files grade at the same time, all under the same
 * .grade-tmp; their live runs (vitest's main process, bubblewrap, its pid 1 and the test process: four
 * processes each) are not leftovers of these.
 */
export function leftoverRunProcesses(): number[] {
  const ours = [...graders].map((pid) => `COURSE_TARGET=${path.join(scratchDir, `run-${pid}-`)}`);
  return readdirSync("/proc")
    .filter((pid) => /^\d+$/.test(pid) && Number(pid) !== process.pid)
    .filter((pid) => {
      try {
        const environ = readFileSync(`/proc/${pid}/environ`, "latin1").split("\0");
        return (
          environ.some((v) => v.startsWith(`${RUN_MARKER_ENV}=`)) &&
          environ.some((v) => ours.some((prefix) => v.startsWith(prefix)))
        );
      } catch {
        return false;
      }
    })
    .map(Number);
}
