/**
 * Exercise 03-processes/gzip-blocks — I/O plus processing of each block, the pool's "best use".
 *
 * Compressing a big file is two jobs: reading and writing (I/O, which waits) and compressing (CPU, which
 * works). Split the input into fixed-size blocks, compress each block on the pool as its own gzip member,
 * and write the members in order: gzip allows several members one after another, and every gunzip reads
 * such a stream back as the concatenation of their contents (this is how pigz works). Reading stays a
 * bounded distance ahead of writing, so a file of any size needs only a few blocks of memory.
 *
 * Read first: chapters/03-processes/README.md#io-plus-processing-of-each-block
 * Check yourself: npm test -- gzip-blocks        Stuck? npm run hint -- gzip-blocks
 */

import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import type { Pool } from "./pool.ts";

export interface BlockOptions {
  /** Bytes per block; the last block may be shorter. Default 1 MiB. */
  readonly blockSize?: number;
  /** At most this many blocks are being compressed at once (read but not yet written). Default 2 × pool.size. */
  readonly readAhead?: number;
}

/**
 * Cut `source` (chunks of any size) into blocks of `blockSize` bytes, compress each with
 * `pool.apply("gzipBlock", block)`, and give the members to `sink` one at a time, in block order, each
 * only after the previous sink call has resolved. At most `readAhead` blocks are compressing at once, and
 * the source is read only as far ahead as that needs. An empty source gives no blocks at all. Resolves
 * with the number of blocks; rejects (after the blocks in flight have settled) if the source, the pool or
 * the sink fails. Rejects with a RangeError unless blockSize and readAhead are positive integers.
 */
export async function compressBlocks(
  pool: Pool,
  source: AsyncIterable<Uint8Array>,
  sink: (member: Uint8Array) => Promise<void> | void,
  options: BlockOptions = {},
): Promise<number> {
  const blockSize = options.blockSize ?? 1024 * 1024;
  const readAhead = options.readAhead ?? 2 * pool.size;
  if (!Number.isInteger(blockSize) || blockSize < 1)
    throw new RangeError(`blockSize must be a positive integer, got ${blockSize}`);
  if (!Number.isInteger(readAhead) || readAhead < 1)
    throw new RangeError(`readAhead must be a positive integer, got ${readAhead}`);

  // Blocks being compressed, oldest first: an ordered imap with a window of `readAhead`.
  const inFlight: Promise<Uint8Array>[] = [];
  let blocks = 0;
  const writeOldest = async () => {
    await sink(await inFlight.shift()!);
  };
  const submit = async (block: Uint8Array) => {
    const member = pool.apply<Uint8Array, Uint8Array>("gzipBlock", block);
    member.catch(() => {}); // awaited in order below; never an unhandled rejection meanwhile
    inFlight.push(member);
    blocks++;
    if (inFlight.length >= readAhead) await writeOldest();
  };

  try {
    // Bytes read but not yet cut into a block; at most one block's worth waits here.
    let pending = new Uint8Array(blockSize);
    let filled = 0;
    for await (const chunk of source) {
      let at = 0;
      while (at < chunk.length) {
        const take = Math.min(blockSize - filled, chunk.length - at);
        pending.set(chunk.subarray(at, at + take), filled);
        filled += take;
        at += take;
        if (filled === blockSize) {
          await submit(pending);
          pending = new Uint8Array(blockSize);
          filled = 0;
        }
      }
    }
    if (filled > 0) await submit(pending.slice(0, filled));
    while (inFlight.length > 0) await writeOldest();
    return blocks;
  } finally {
    // On a failure, let what is still compressing settle before we give up, so nothing is left behind.
    await Promise.allSettled(inFlight);
  }
}

/**
 * Compress the file `input` into `output` with compressBlocks; resolves with the number of blocks. Rejects
 * if `input` cannot be read or `output` cannot be written.
 */
export async function compressFile(
  pool: Pool,
  input: string,
  output: string,
  options: BlockOptions = {},
): Promise<number> {
  const out = createWriteStream(output);
  const failed = once(out, "error").then(([error]) => Promise.reject(error));
  failed.catch(() => {});
  try {
    const blocks = await compressBlocks(
      pool,
      createReadStream(input, { highWaterMark: Math.min(options.blockSize ?? 1024 * 1024, 1024 * 1024) }),
      async (member) => {
        if (!out.write(member)) await Promise.race([once(out, "drain"), failed]);
      },
      options,
    );
    out.end();
    await Promise.race([once(out, "finish"), failed]);
    return blocks;
  } finally {
    out.destroy();
  }
}
