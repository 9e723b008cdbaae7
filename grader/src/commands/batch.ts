/** `npm run grade -- --batch DIR`: grade every learner's submission in DIR and write a gradebook. */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { grade } from "../grade.ts";
import { COLLECTED_FILE, type CollectedRecord } from "../gradebook/collect.ts";
import {
  buildGradebook,
  fingerprintsOf,
  type GradebookEntry,
  gradebookCsv,
  inShard,
} from "../gradebook/gradebook.ts";
import type { Course, Exercise } from "../manifest.ts";
import { userPath } from "../paths.ts";
import { seconds } from "../report/format.ts";
import { Limiter } from "../run/parallel.ts";
import type { SandboxKind } from "../run/sandbox.ts";
import { graderVersion } from "../version.ts";
import { submissionRoot } from "./grade.ts";

interface BatchOptions {
  readonly exercises: readonly Exercise[];
  readonly seed: number;
  readonly timeoutSeconds?: number;
  readonly sandbox: SandboxKind;
  /** Grade only this shard of the learners (see gradebook.ts inShard). */
  readonly shard?: { index: number; count: number };
  readonly quiet?: boolean;
}

export async function gradeBatch(
  course: Course,
  dir: string,
  gradebookPath: string,
  options: BatchOptions,
): Promise<number> {
  const all = readdirSync(dir).filter(
    (name) => !name.startsWith(".") && statSync(path.join(dir, name)).isDirectory(),
  );
  const learners = options.shard ? inShard(all, options.shard) : all.sort();
  if (learners.length === 0) {
    console.error(
      `--batch ${dir}: no submission folders${options.shard ? " in this shard" : ""}. Put one folder per learner there, named after the learner.`,
    );
    return 2;
  }
  const collected = readCollected(dir);
  // Every exercise of every learner goes through one limiter: the cores stay busy, never oversubscribed.
  const limiter = new Limiter(availableParallelism());
  const progress = batchProgress(learners.length * options.exercises.length, options.quiet === true);
  const entries = await Promise.all(
    learners.map(async (learner): Promise<GradebookEntry> => {
      const record = collected.get(learner);
      const commit = record && "commit" in record ? { commit: record.commit } : {};
      if (record && "error" in record) {
        progress.skip(options.exercises.length);
        return { learner, status: "error", error: record.error };
      }
      let finished = 0;
      try {
        const target = { root: submissionRoot(path.join(dir, learner)) };
        const report = await grade(course, {
          exercises: options.exercises,
          seed: options.seed,
          sandbox: options.sandbox,
          limiter,
          target,
          // The batch folder is the teacher's; each learner's entry in it, and all below, is the learner's.
          namedFolder: dir,
          ...(options.timeoutSeconds !== undefined ? { timeoutSeconds: options.timeoutSeconds } : {}),
          onProgress: (event) => {
            if (event.kind !== "done") return;
            finished++;
            progress.done();
          },
        });
        return {
          learner,
          status: "graded",
          ...commit,
          report,
          fingerprints: fingerprintsOf(options.exercises, target, dir),
        };
      } catch (error) {
        // One broken submission must not cost the others their grades.
        progress.skip(options.exercises.length - finished);
        return { learner, status: "error", ...commit, error: (error as Error).message };
      }
    }),
  );
  progress.finish();
  const gradebook = buildGradebook({
    seed: options.seed,
    graderVersion,
    exercises: options.exercises.map((e) => e.id),
    entries,
  });
  const base = userPath(gradebookPath);
  mkdirSync(path.dirname(base), { recursive: true });
  writeFileSync(`${base}.csv`, gradebookCsv(gradebook));
  writeFileSync(`${base}.json`, `${JSON.stringify(gradebook, null, 2)}\n`);
  const graded = entries.filter((e) => e.status === "graded").length;
  console.log(
    `Graded ${graded} of ${learners.length} submissions → ${base}.csv, ${base}.json` +
      (gradebook.similar.length > 0 ? ` (${gradebook.similar.length} near-identical pairs to look at)` : ""),
  );
  return 0;
}

function readCollected(dir: string): Map<string, CollectedRecord> {
  const file = path.join(dir, COLLECTED_FILE);
  if (!existsSync(file)) return new Map();
  const records = JSON.parse(readFileSync(file, "utf8")) as CollectedRecord[];
  return new Map(records.map((r) => [r.learner, r]));
}

/** A progress bar with the time left, on stderr: redrawn on a terminal, a line per tenth otherwise. */
function batchProgress(total: number, quiet: boolean) {
  const started = performance.now();
  const stream = process.stderr;
  let done = 0;
  let lastTenth = -1;
  const draw = () => {
    if (quiet) return;
    const elapsed = performance.now() - started;
    const left = done === 0 ? undefined : (elapsed / done) * (total - done);
    const width = 24;
    const filled = Math.round((width * done) / total);
    const line = `[${"█".repeat(filled)}${"░".repeat(width - filled)}] ${done}/${total} exercise runs${left !== undefined && done < total ? `, about ${seconds(left)} left` : ""}`;
    if (stream.isTTY) stream.write(`\r${line}\u001b[K`);
    else if (Math.floor((10 * done) / total) > lastTenth) {
      lastTenth = Math.floor((10 * done) / total);
      stream.write(`${line}\n`);
    }
  };
  draw();
  return {
    done() {
      done++;
      draw();
    },
    skip(count: number) {
      done += count;
      draw();
    },
    finish() {
      if (!quiet && stream.isTTY) stream.write("\n");
    },
  };
}
