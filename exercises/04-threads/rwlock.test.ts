import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  expectFinished,
  expectOnSchedule,
  type InterleaveResult,
  interleave,
  ThreadPool,
} from "../../grader/harness/interleave.ts";
import { learnerModule } from "../../grader/harness/learner.ts";
import { scheduleChoices } from "../../grader/harness/schedules.ts";
import { sequentialAtomics } from "../../grader/harness/sequential-atomics.ts";
import { stress } from "../../grader/harness/stress.ts";
import type { Seen } from "./rwlock.bodies.ts";
import { RWLock } from "./rwlock.ts";

const bodies = new URL("./rwlock.bodies.ts", import.meta.url);
const data = { learner: learnerModule("exercises/04-threads/rwlock.ts") };
const startPool = (size: number) => ThreadPool.start(bodies, size, data);
const schedule = scheduleChoices();

function sharedFor(lock: RWLock) {
  const { buffer, byteOffset } = lock.handle;
  return { shared: { lock: buffer, probe: new SharedArrayBuffer(8 * 4) }, byteOffset };
}

/** Reads that began (probe[5] += 1 in the schedule) after the writer asked and before it got in. */
function readsAheadOfWriter(run: InterleaveResult, writer: number): number {
  const steps = run.trace;
  const asked = steps.findIndex((s) => s.thread === writer && /: store\(probe\[3\], 1\)/.test(s.text));
  const firstInLock = steps.findIndex((s, k) => k > asked && s.thread === writer);
  const inside = steps.findIndex((s) => s.thread === writer && /: store\(probe\[3\], 2\)/.test(s.text));
  if (asked < 0 || firstInLock < 0 || inside < 0) return 0;
  return steps.filter((s, k) => k > firstInLock && k < inside && /: add\(probe\[5\], 1\)/.test(s.text))
    .length;
}

describe("RWLock", () => {
  it("lets one thread take several read locks, then the write lock once they are released", () => {
    // It keeps values negated in memory: only a lock that reaches its state through atomics is right.
    const lock = RWLock.create(sequentialAtomics({ disguised: true }));
    // Another lock, created alongside: it has memory of its own, so holding it changes nothing here.
    const other = RWLock.create(sequentialAtomics({ disguised: true }));
    const steps: [string, () => void][] = [
      ["writeLock() on another lock", () => other.writeLock()],
      ["readLock()", () => lock.readLock()],
      ["a second readLock()", () => lock.readLock()],
      ["readUnlock()", () => lock.readUnlock()],
      ["readUnlock()", () => lock.readUnlock()],
      ["writeLock() with no reader left", () => lock.writeLock()],
      ["writeUnlock()", () => lock.writeUnlock()],
      ["readLock() after the writer left", () => lock.readLock()],
      ["readUnlock()", () => lock.readUnlock()],
      ["writeLock() again", () => lock.writeLock()],
      ["writeUnlock()", () => lock.writeUnlock()],
      ["writeUnlock() on the other lock", () => other.writeUnlock()],
    ];
    for (const [what, step] of steps) {
      try {
        step();
      } catch (error) {
        throw new Error(
          `${what}, on a thread alone: ${(error as Error).message}\n(the test's AtomicsLike keeps values negated in memory: a value read or written without atomics is wrong here)`,
        );
      }
    }
    const attached = RWLock.attach(structuredClone(lock.handle), sequentialAtomics({ disguised: true }));
    attached.writeLock();
    attached.writeUnlock();
    // With the global Atomics, as a lock created without an AtomicsLike uses.
    const plain = RWLock.create();
    plain.readLock();
    plain.readUnlock();
    plain.writeLock();
    plain.writeUnlock();
  });

  it("never lets a writer in beside a reader or another writer, under every schedule tried", async () => {
    await using pool = await startPool(4);
    const side = fc.array(fc.integer({ min: 1, max: 2 }), { minLength: 1, maxLength: 2 });
    await fc.assert(
      fc.asyncProperty(side, side, schedule, async (readers, writers, choices) => {
        const lock = RWLock.create();
        const { shared, byteOffset } = sharedFor(lock);
        const run = await interleave(pool, {
          shared,
          threads: [
            ...readers.map((times, k) => ({
              body: "reader",
              args: { byteOffset, times },
              name: `reader ${k}`,
            })),
            ...writers.map((times, k) => ({
              body: "writer",
              args: { byteOffset, times },
              name: `writer ${k}`,
            })),
          ],
          choices,
        });
        expectFinished(run, `${readers.length} readers and ${writers.length} writers sharing an RWLock`);
        const seen = run.results as Seen[];
        const besideWriter = seen.reduce((n, s) => n + s.readerBesideWriter, 0);
        const writerNotAlone = seen.reduce((n, s) => n + s.writerBesideOthers, 0);
        expectOnSchedule(besideWriter === 0, "a reader was inside while a writer held the lock", run);
        expectOnSchedule(
          writerNotAlone === 0,
          "a writer was inside together with a reader or another writer",
          run,
        );
        const writes = writers.reduce((a, b) => a + b, 0);
        const counted = new Int32Array(shared.probe)[2];
        expectOnSchedule(
          counted === writes,
          `the writers' counter is ${counted} after ${writes} writes: two writers were inside at once`,
          run,
        );
      }),
      { numRuns: 50 },
    );
  });

  it("lets readers in together: two readers can both be inside at once", async () => {
    await using pool = await startPool(2);
    await fc.assert(
      fc.asyncProperty(schedule, async (choices) => {
        const lock = RWLock.create();
        const { shared, byteOffset } = sharedFor(lock);
        const run = await interleave(pool, {
          shared,
          threads: [0, 1].map((k) => ({
            body: "readTogether",
            args: { byteOffset, together: 2 },
            name: `reader ${k}`,
          })),
          choices,
        });
        expectFinished(
          run,
          "two readers that each stay inside until the other is in too (readers must not exclude each other)",
        );
      }),
      { numRuns: 20 },
    );
  });

  it("does not starve a writer: once it asks, at most the readers already on their way get in first", async () => {
    await using pool = await startPool(3);
    await fc.assert(
      fc.asyncProperty(schedule, async (choices) => {
        const lock = RWLock.create();
        const { shared, byteOffset } = sharedFor(lock);
        const readers = 2;
        const run = await interleave(pool, {
          shared,
          threads: [
            ...Array.from({ length: readers }, (_, k) => ({
              body: "busyReader",
              args: { byteOffset, times: 4 },
              name: `reader ${k}`,
            })),
            { body: "patientWriter", args: { byteOffset }, name: "writer" },
          ],
          choices,
        });
        expectFinished(run, "2 readers reading 4 times each while a writer waits for its turn");
        const ahead = readsAheadOfWriter(run, readers);
        expectOnSchedule(
          ahead <= readers,
          `${ahead} reads began after the writer asked for the lock and before it got in: new readers must wait while a writer waits, or a stream of readers starves it`,
          run,
        );
      }),
      { numRuns: 40 },
    );
  });

  it("holds on real threads running at once: writers alone, no lost write", async () => {
    await using pool = await startPool(4);
    const lock = RWLock.create();
    const { shared, byteOffset } = sharedFor(lock);
    const result = await stress(pool, {
      shared,
      threads: [
        ...[0, 1].map(() => ({ body: "reader", args: { byteOffset, times: 3_000 } })),
        ...[0, 1].map(() => ({ body: "writer", args: { byteOffset, times: 1_000 } })),
      ],
    });
    expect(result.verdict, `2 readers and 2 writers at once: ${result.reason}`).toBe("finished");
    const seen = result.results as Seen[];
    expect(
      seen.reduce((n, s) => n + s.readerBesideWriter, 0),
      "reads done while a writer was inside",
    ).toBe(0);
    expect(
      seen.reduce((n, s) => n + s.writerBesideOthers, 0),
      "writes done beside someone else",
    ).toBe(0);
    expect(new Int32Array(shared.probe)[2], "the writers' counter after 2 × 1000 writes").toBe(2_000);
  });
});
