// The given communicator of chapter 5 (exercises/05-distributed/comm.ts): its promises to the exercises.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ANY_TAG, RunAborted, runLocal, runWorkers } from "../../exercises/05-distributed/comm.ts";

const programs = new URL("./fixtures/comm/programs.ts", import.meta.url);

describe("runLocal", () => {
  it("keeps FIFO per (source, tag) and keeps unmatched messages, under any delivery order", async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 1, max: 4 }), async (s, size) => {
        const run = runLocal(
          size,
          async (comm) => {
            for (const tag of [2, 1, 2]) comm.send(`${comm.rank}:${tag}`, 0, tag);
            if (comm.rank !== 0) return [];
            const got: string[] = [];
            for (let source = 0; source < comm.size; source++)
              for (const tag of [1, 2, 2]) got.push(await comm.recv<string>(source, tag));
            return got;
          },
          { delay: (m) => s.schedule(Promise.resolve(), `${m.source}→${m.dest} tag ${m.tag}`) },
        );
        await s.waitIdle();
        const results = await run;
        expect(results[0]).toEqual(
          Array.from({ length: size }, (_, r) => [`${r}:1`, `${r}:2`, `${r}:2`]).flat(),
        );
      }),
    );
  });

  it("rejects with the first failing rank's error and rejects the receives still waiting", async () => {
    const waiting: Promise<unknown>[] = [];
    const run = runLocal(3, async (comm) => {
      if (comm.rank === 1) throw new TypeError("boom");
      const receive = comm.recv(1, ANY_TAG);
      waiting.push(receive.catch((error: unknown) => error));
      return receive;
    });
    await expect(run).rejects.toThrow(new TypeError("boom"));
    for (const error of await Promise.all(waiting)) expect(error).toBeInstanceOf(RunAborted);
  });

  it("copies a value at the send, and refuses bad ranks and tags", async () => {
    const [got] = await runLocal(1, async (comm) => {
      const value = { n: 1 };
      comm.send(value, 0);
      value.n = 2;
      expect(() => comm.send(1, 1)).toThrow(RangeError);
      expect(() => comm.send(1, 0, -1)).toThrow(RangeError);
      await expect(comm.recv(3)).rejects.toThrow(RangeError);
      return comm.recv();
    });
    expect(got).toEqual({ n: 1 });
  });
});

describe("runWorkers", () => {
  it("runs the default export on worker threads and returns each rank's result", async () => {
    const results = await runWorkers<unknown>(2, programs);
    expect(results).toEqual([
      [
        { from: 1, tag: 1 },
        { from: 1, tag: 2 },
        { from: 1, tag: 2 },
        { from: 0, tag: 1 },
        { from: 0, tag: 2 },
        { from: 0, tag: 2 },
      ],
      1,
    ]);
  });

  it("rejects with a failing rank's error, ending the other workers", async () => {
    await expect(runWorkers(3, programs)).rejects.toThrow(new RangeError("rank 2 fails on purpose"));
  });

  it("rejects after the timeout when ranks wait for messages nobody sends", async () => {
    await expect(runWorkers(4, programs, { timeoutMs: 1500 })).rejects.toThrow(
      /had not finished after 1500 ms/,
    );
  });
});
