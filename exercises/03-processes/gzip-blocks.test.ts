import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { scaledWait, withDeadline } from "../../grader/harness/deadline.ts";
import { folderForLearner } from "../../grader/harness/folders.ts";
import { compressBlocks, compressFile } from "./gzip-blocks.ts";
import type { Pool } from "./pool.ts";

const folders: string[] = [];
afterEach(() => {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * A stand-in for 03-processes/pool (so these tests do not depend on yours): apply("gzipBlock", block)
 * copies the block at once, as postMessage does, and resolves with its gzip member after a delay the test
 * chooses, so blocks finish out of order. It counts the calls, those in flight and the most ever in flight.
 */
function standInPool(delays: readonly number[], failAt = -1, size = 2) {
  let calls = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const pool = {
    size,
    kind: "thread" as const,
    apply<T, R>(task: string, input: T): Promise<R> {
      const call = calls++;
      if (task !== "gzipBlock")
        return Promise.reject(new Error(`the test pool only has the task "gzipBlock", not "${task}"`));
      const copy = new Uint8Array(structuredClone(input as Uint8Array));
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      return new Promise<R>((resolve, reject) => {
        setTimeout(
          () => {
            inFlight--;
            if (call === failAt) reject(new Error("the pool failed this block"));
            else resolve(new Uint8Array(gzipSync(copy)) as R);
          },
          delays[call % delays.length] ?? 0,
        );
      });
    },
  };
  const unused = () => {
    throw new Error("compress with pool.apply: the test pool has nothing else");
  };
  return {
    pool: {
      ...pool,
      map: unused,
      imap: unused,
      imapUnordered: unused,
      close: unused,
      terminate: unused,
      [Symbol.asyncDispose]: unused,
    } as unknown as Pool,
    calls: () => calls,
    inFlight: () => inFlight,
    maxInFlight: () => maxInFlight,
  };
}

/** `data` as chunks of the given sizes (cycled), counting how many bytes have been taken from it. */
function chunked(
  data: Uint8Array,
  sizes: readonly number[],
  onPull: (pulled: number, chunk: number) => void,
) {
  return (async function* () {
    let at = 0;
    let i = 0;
    while (at < data.length) {
      const size = Math.min(sizes[i++ % sizes.length]!, data.length - at);
      const chunk = data.slice(at, at + size);
      at += size;
      onPull(at, size);
      await Promise.resolve();
      yield chunk;
    }
  })();
}

/** Data that compresses in different ways: random bytes, runs, text. */
const data = fc.oneof(
  fc.uint8Array({ maxLength: 3000 }),
  fc
    .array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 400 })), { maxLength: 12 })
    .map((runs) => new Uint8Array(runs.flatMap(([byte, n]) => Array<number>(n).fill(byte)))),
  fc.string({ maxLength: 2000 }).map((s) => new TextEncoder().encode(s)),
);
const blockSizes = fc.constantFrom(1, 7, 100, 512, 4096, 65536);
const chunkSizes = fc.array(fc.constantFrom(1, 3, 100, 999, 4096, 70000), { minLength: 1, maxLength: 4 });
const readAheads = fc.constantFrom(1, 2, 3, 5);
const delays = fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 8 });

async function run(
  input: Uint8Array,
  blockSize: number,
  chunks: readonly number[],
  readAhead: number,
  waits: readonly number[],
) {
  // Tiny blocks make many tasks: keep those inputs small.
  const bytes = blockSize < 64 ? input.slice(0, 150) : input;
  const standIn = standInPool(waits);
  const members: Uint8Array[] = [];
  let pulled = 0;
  let worstAhead = 0;
  const source = chunked(bytes, chunks, (total, chunk) => {
    // Bytes taken from the source beyond the blocks already written, less the chunk just taken.
    worstAhead = Math.max(worstAhead, total - chunk - members.length * blockSize);
    pulled = total;
  });
  const blocks = await withDeadline(
    compressBlocks(standIn.pool, source, (member) => void members.push(member), { blockSize, readAhead }),
    scaledWait(10_000),
    "compressBlocks",
  );
  return { bytes, blocks, members, pulled, worstAhead, standIn };
}

describe("compressBlocks", () => {
  it("writes one gzip member per block, in block order, whatever order they finish in", async () => {
    await fc.assert(
      fc.asyncProperty(
        data,
        blockSizes,
        chunkSizes,
        readAheads,
        delays,
        async (input, blockSize, chunks, readAhead, waits) => {
          const { bytes, blocks, members } = await run(input, blockSize, chunks, readAhead, waits);
          const expected = Math.ceil(bytes.length / blockSize);
          expect(blocks, `${bytes.length} bytes in blocks of ${blockSize} make ${expected} blocks`).toBe(
            expected,
          );
          expect(members.length, "the sink should get one member per block").toBe(expected);
          members.forEach((member, i) => {
            expect(
              Buffer.from(gunzipSync(member)).equals(
                Buffer.from(bytes.subarray(i * blockSize, (i + 1) * blockSize)),
              ),
              `member ${i} should hold block ${i} (bytes ${i * blockSize}…), in order`,
            ).toBe(true);
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  it("makes a stream that gunzip reads back as the input", async () => {
    await fc.assert(
      fc.asyncProperty(
        data,
        blockSizes,
        chunkSizes,
        readAheads,
        delays,
        async (input, blockSize, chunks, readAhead, waits) => {
          const { bytes, members } = await run(input, blockSize, chunks, readAhead, waits);
          const stream = Buffer.concat(members);
          const back = bytes.length === 0 ? Buffer.alloc(0) : gunzipSync(stream);
          expect(back.equals(Buffer.from(bytes)), "gunzip(output) should equal the input").toBe(true);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("compresses every block on the pool, never more than readAhead at once, reading only a little ahead", async () => {
    await fc.assert(
      fc.asyncProperty(
        data,
        blockSizes,
        chunkSizes,
        readAheads,
        delays,
        async (input, blockSize, chunks, readAhead, waits) => {
          const { blocks, standIn, worstAhead } = await run(input, blockSize, chunks, readAhead, waits);
          expect(
            standIn.calls(),
            'every block should be compressed with pool.apply("gzipBlock", block)',
          ).toBe(blocks);
          expect(
            standIn.maxInFlight(),
            `never more than readAhead = ${readAhead} blocks compressing at once`,
          ).toBeLessThanOrEqual(readAhead);
          expect(
            worstAhead,
            `with readAhead ${readAhead} and blocks of ${blockSize}, reading should stay at most ${readAhead + 1} blocks ahead of writing`,
          ).toBeLessThanOrEqual((readAhead + 1) * blockSize);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("waits for each sink call before the next, and gives nothing for an empty source", async () => {
    const standIn = standInPool([0]);
    let writing = false;
    let overlapped = false;
    const slowSink = async () => {
      if (writing) overlapped = true;
      writing = true;
      await new Promise((resolve) => setTimeout(resolve, 2));
      writing = false;
    };
    const input = new Uint8Array(1000).map((_, i) => i % 251);
    await withDeadline(
      compressBlocks(
        standIn.pool,
        chunked(input, [300], () => {}),
        slowSink,
        { blockSize: 100, readAhead: 4 },
      ),
      scaledWait(10_000),
      "compressBlocks",
    );
    expect(
      overlapped,
      "the next member may be given to the sink only after the previous sink call resolved",
    ).toBe(false);
    const none: Uint8Array[] = [];
    const empty = await compressBlocks(
      standIn.pool,
      chunked(new Uint8Array(0), [1], () => {}),
      (m) => void none.push(m),
      { blockSize: 10 },
    );
    expect([empty, none.length], "an empty source makes no blocks and no members").toEqual([0, 0]);
  });

  it("rejects when the pool fails a block, and refuses a blockSize or readAhead that is not a positive integer", async () => {
    const input = new Uint8Array(500).fill(7);
    const failing = standInPool([1, 0], 2);
    await expect(
      withDeadline(
        compressBlocks(
          failing.pool,
          chunked(input, [64], () => {}),
          () => {},
          { blockSize: 50, readAhead: 3 },
        ),
        scaledWait(10_000),
        "compressBlocks",
      ),
      "a failed block should reject compressBlocks with the pool's error",
    ).rejects.toThrow("the pool failed this block");
    // Block 2 fails at once while later blocks take 5 ms: they are still compressing when it is awaited.
    const slow = standInPool([5, 5, 0], 2);
    const settled = await withDeadline(
      compressBlocks(
        slow.pool,
        chunked(input, [64], () => {}),
        () => {},
        { blockSize: 50, readAhead: 3 },
      ).then(
        () => ({ error: undefined, inFlight: slow.inFlight() }),
        (error: unknown) => ({ error, inFlight: slow.inFlight() }),
      ),
      scaledWait(10_000),
      "compressBlocks",
    );
    expect((settled.error as Error | undefined)?.message, "a failed block should reject compressBlocks").toBe(
      "the pool failed this block",
    );
    expect(
      settled.inFlight,
      "compressBlocks should reject only after the blocks in flight have settled: blocks were still compressing",
    ).toBe(0);
    for (const [shown, options] of [
      ["{ blockSize: 0 }", { blockSize: 0 }],
      ["{ blockSize: -0 }", { blockSize: -0 }],
      ["{ blockSize: 1.5 }", { blockSize: 1.5 }],
      ["{ blockSize: NaN }", { blockSize: Number.NaN }],
      ["{ blockSize: Infinity }", { blockSize: Number.POSITIVE_INFINITY }],
      ["{ readAhead: 0 }", { readAhead: 0 }],
      ["{ readAhead: -1 }", { readAhead: -1 }],
      ["{ readAhead: NaN }", { readAhead: Number.NaN }],
      ["{ readAhead: Infinity }", { readAhead: Number.POSITIVE_INFINITY }],
    ] as const) {
      await expect(
        withDeadline(
          compressBlocks(
            standInPool([0]).pool,
            chunked(input, [64], () => {}),
            () => {},
            options,
          ),
          scaledWait(10_000),
          "compressBlocks",
        ),
        `compressBlocks with ${shown} should reject with a RangeError`,
      ).rejects.toThrow(RangeError);
    }
  });

  it("rejects when the source or the sink fails, once the blocks in flight have settled", async () => {
    const input = new Uint8Array(500).map((_, i) => i % 13);
    const failingSource = (async function* () {
      yield* chunked(input.subarray(0, 320), [64], () => {});
      throw new Error("the source failed");
    })();
    const fromSource = standInPool([5]);
    const sourceFailure = await withDeadline(
      compressBlocks(fromSource.pool, failingSource, () => {}, { blockSize: 50, readAhead: 3 }).then(
        () => ({ error: undefined, inFlight: fromSource.inFlight() }),
        (error: unknown) => ({ error, inFlight: fromSource.inFlight() }),
      ),
      scaledWait(10_000),
      "compressBlocks with a failing source",
    );
    expect(
      (sourceFailure.error as Error | undefined)?.message,
      "a failing source should reject compressBlocks with its error",
    ).toBe("the source failed");
    expect(
      sourceFailure.inFlight,
      "compressBlocks should reject only after the blocks in flight have settled: blocks were still compressing",
    ).toBe(0);
    const toSink = standInPool([5]);
    let sunk = 0;
    const sinkFailure = await withDeadline(
      compressBlocks(
        toSink.pool,
        chunked(input, [64], () => {}),
        () => {
          if (++sunk === 2) throw new Error("the sink failed");
        },
        { blockSize: 50, readAhead: 3 },
      ).then(
        () => ({ error: undefined, inFlight: toSink.inFlight() }),
        (error: unknown) => ({ error, inFlight: toSink.inFlight() }),
      ),
      scaledWait(10_000),
      "compressBlocks with a failing sink",
    );
    expect(
      (sinkFailure.error as Error | undefined)?.message,
      "a failing sink should reject compressBlocks with its error",
    ).toBe("the sink failed");
    expect(sunk, "after the sink failed, no further member should be given to it").toBe(2);
    expect(
      sinkFailure.inFlight,
      "compressBlocks should reject only after the blocks in flight have settled: blocks were still compressing",
    ).toBe(0);
  });

  it("by default cuts blocks of 1 MiB and keeps 2 × pool.size blocks compressing", async () => {
    const MiB = 1024 * 1024;
    // Short of 1 MiB, no block is full yet: a source that fails there leaves nothing compressed.
    const short = standInPool([0]);
    const shortSource = (async function* () {
      yield* chunked(new Uint8Array(MiB - 1), [65536], () => {});
      throw new Error("the source failed");
    })();
    await expect(
      withDeadline(
        compressBlocks(short.pool, shortSource, () => {}),
        scaledWait(10_000),
        "compressBlocks",
      ),
      "a source that fails should reject compressBlocks",
    ).rejects.toThrow("the source failed");
    expect(short.calls(), "with the default blockSize of 1 MiB, 1 MiB - 1 bytes make no full block").toBe(0);
    // One byte more than 1 MiB: a full block of 1 MiB, and a last block of 1 byte.
    const input = new Uint8Array(MiB + 1).map((_, i) => (i * 31) % 251);
    const standIn = standInPool([0]);
    const members: Uint8Array[] = [];
    const blocks = await withDeadline(
      compressBlocks(
        standIn.pool,
        chunked(input, [65536], () => {}),
        (member) => void members.push(member),
      ),
      scaledWait(10_000),
      "compressBlocks with the default options",
    );
    expect(
      [blocks, members.map((m) => gunzipSync(m).length)],
      "1 MiB + 1 bytes in blocks of the default 1 MiB: one full block and one of 1 byte",
    ).toEqual([2, [MiB, 1]]);
    for (const size of [1, 3]) {
      const sized = standInPool([5], -1, size);
      const many = new Uint8Array(2 * (2 * size + 2) * 10);
      await withDeadline(
        compressBlocks(
          sized.pool,
          chunked(many, [7], () => {}),
          () => {},
          { blockSize: 10 },
        ),
        scaledWait(10_000),
        "compressBlocks with the default readAhead",
      );
      expect(
        sized.maxInFlight(),
        `on a pool of size ${size}, by default 2 × ${size} blocks should be compressing at once`,
      ).toBe(2 * size);
    }
  });
});

describe("compressFile", () => {
  it("compresses a file into a multi-member .gz that zlib and the gzip tool read back", async () => {
    const dir = folderForLearner("gzip-blocks-");
    folders.push(dir);
    const input = path.join(dir, "input.bin");
    const output = path.join(dir, "output.gz");
    const bytes = Buffer.concat([
      Buffer.from("a".repeat(5000)),
      Buffer.from(Array.from({ length: 20_000 }, (_, i) => (i * 7919) % 256)),
    ]);
    writeFileSync(input, bytes);
    const standIn = standInPool([1, 0, 2]);
    const blocks = await withDeadline(
      compressFile(standIn.pool, input, output, { blockSize: 4096, readAhead: 3 }),
      scaledWait(10_000),
      "compressFile",
    );
    expect(blocks, "25,000 bytes in blocks of 4096 make 7 blocks").toBe(7);
    const written = readFileSync(output);
    expect(gunzipSync(written).equals(bytes), "zlib's gunzip should read the file back as the input").toBe(
      true,
    );
    const tool = spawnSync("gzip", ["-dc", output]);
    if (!tool.error) {
      expect(tool.status, "gzip -dc should accept the file").toBe(0);
      expect(Buffer.from(tool.stdout).equals(bytes), "gzip -dc should read the file back as the input").toBe(
        true,
      );
    }
  });

  it("rejects when the input cannot be read or the output cannot be written", async () => {
    const dir = folderForLearner("gzip-blocks-");
    folders.push(dir);
    const input = path.join(dir, "input.txt");
    const output = path.join(dir, "output.gz");
    writeFileSync(input, Buffer.from("to be compressed, ".repeat(1000)));
    const nowhere = path.join(dir, "no-such-folder", "output.gz");
    const refused = await withDeadline(
      compressFile(standInPool([0]).pool, input, nowhere).then(
        () => "resolved",
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      ),
      scaledWait(10_000),
      "compressFile into a folder that does not exist",
    );
    expect(
      refused,
      "compressFile into a folder that does not exist should reject with the write stream's error",
    ).toMatch(/ENOENT/);
    const missing = await withDeadline(
      compressFile(standInPool([0]).pool, path.join(dir, "no-such-input.txt"), output).then(
        () => "resolved",
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      ),
      scaledWait(10_000),
      "compressFile of a file that does not exist",
    );
    expect(
      missing,
      "compressFile of a file that does not exist should reject with the read stream's error",
    ).toMatch(/ENOENT/);
  });
});
