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
  // TODO: cut the source into blocks, keep at most readAhead pool.apply("gzipBlock", block) promises in a
  //       first-in, first-out window, and await the oldest (then the sink) before reading further.
  //       See chapters/03-processes/README.md#io-plus-processing-of-each-block
  throw new Error("TODO: compressBlocks is not implemented yet");
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
  // TODO: compressBlocks from createReadStream(input) into createWriteStream(output), respecting 'drain'.
  throw new Error("TODO: compressFile is not implemented yet");
}
