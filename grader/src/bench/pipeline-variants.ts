/**
 * One variant of the pipeline benchmark, run in a fresh process so no variant warms up or pollutes the JIT
 * for another: `tsx grader/src/bench/pipeline-variants.ts <variant>` prints one JSON line.
 *
 * Every variant does the same job: the numbers 0 … N-1 through filter(x % 3 !== 0) → map(x * 2) → a sink
 * that sums them, and must arrive at the same total.
 */
import { Readable, Transform, Writable } from "node:stream";
import { pipeline as streamPipeline } from "node:stream/promises";
import { coroutine, filter, map, type Sink } from "../../../solutions/02-coroutines/pipeline.ts";

export const N = 1_000_000;
/** Σ 2x over 0 ≤ x < N with x % 3 !== 0, for N = 10^6. */
export const EXPECTED_TOTAL = 666_665_333_334;

const keep = (x: number) => x % 3 !== 0;
const double = (x: number) => x * 2;

export const VARIANTS = {
  /** Push, as plain nested function calls composed once: the baseline. */
  plain(): number {
    let total = 0;
    const sink = (x: number) => {
      total += x;
    };
    const mapStage = (next: (x: number) => void) => (x: number) => next(double(x));
    const filterStage = (next: (x: number) => void) => (x: number) => {
      if (keep(x)) next(x);
    };
    const head = filterStage(mapStage(sink));
    for (let i = 0; i < N; i++) head(i);
    return total;
  },

  /** Push: the reference solution's coroutine pipeline (02-coroutines/pipeline), driven with next(value). */
  coroutine(): number {
    let total = 0;
    const sum = coroutine(function* (): Sink<number> {
      for (;;) total += yield;
    });
    const head = filter(keep, map(double, sum()));
    for (let i = 0; i < N; i++) head.next(i); // the stages themselves pass values on with send
    head.return();
    return total;
  },

  /** Pull: sync generators chained with for…of. */
  "gen-pull"(): number {
    function* numbers() {
      for (let i = 0; i < N; i++) yield i;
    }
    function* filterPull(source: Iterable<number>) {
      for (const x of source) if (keep(x)) yield x;
    }
    function* mapPull(source: Iterable<number>) {
      for (const x of source) yield double(x);
    }
    let total = 0;
    for (const x of mapPull(filterPull(numbers()))) total += x;
    return total;
  },

  /** Pull: async generators chained with for await. */
  async "async-gen"(): Promise<number> {
    async function* numbers() {
      for (let i = 0; i < N; i++) yield i;
    }
    async function* filterPull(source: AsyncIterable<number>) {
      for await (const x of source) if (keep(x)) yield x;
    }
    async function* mapPull(source: AsyncIterable<number>) {
      for await (const x of source) yield double(x);
    }
    let total = 0;
    for await (const x of mapPull(filterPull(numbers()))) total += x;
    return total;
  },

  /** Node streams in object mode, one number per chunk: Readable.from → 2 × Transform → Writable. */
  async streams(): Promise<number> {
    function* numbers() {
      for (let i = 0; i < N; i++) yield i;
    }
    let total = 0;
    await streamPipeline(
      Readable.from(numbers()),
      new Transform({
        objectMode: true,
        transform(x: number, _encoding, done) {
          if (keep(x)) done(null, x);
          else done();
        },
      }),
      new Transform({
        objectMode: true,
        transform(x: number, _encoding, done) {
          done(null, double(x));
        },
      }),
      new Writable({
        objectMode: true,
        write(x: number, _encoding, done) {
          total += x;
          done();
        },
      }),
    );
    return total;
  },

  /** The same streams carrying arrays of 1000 numbers per chunk. */
  async "streams-1000"(): Promise<number> {
    function* chunks() {
      for (let i = 0; i < N; i += 1000) {
        const chunk: number[] = [];
        for (let j = i; j < Math.min(i + 1000, N); j++) chunk.push(j);
        yield chunk;
      }
    }
    let total = 0;
    await streamPipeline(
      Readable.from(chunks()),
      new Transform({
        objectMode: true,
        transform(chunk: number[], _encoding, done) {
          done(null, chunk.filter(keep));
        },
      }),
      new Transform({
        objectMode: true,
        transform(chunk: number[], _encoding, done) {
          done(null, chunk.map(double));
        },
      }),
      new Writable({
        objectMode: true,
        write(chunk: number[], _encoding, done) {
          for (const x of chunk) total += x;
          done();
        },
      }),
    );
    return total;
  },
} satisfies Record<string, () => number | Promise<number>>;

export type VariantName = keyof typeof VARIANTS;

/**
 * Time one variant: a cold first run, then the best of `warmRuns`. Each run is measured twice: wall-clock
 * time, and the CPU time of this process (user + system), which does not count the time the process sat
 * waiting for a core that other work on the machine held.
 */
async function measure(name: VariantName, warmRuns: number) {
  const runs: Array<{ wallMs: number; cpuMs: number }> = [];
  for (let run = 0; run <= warmRuns; run++) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const total = await VARIANTS[name]();
    const wallMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    runs.push({ wallMs, cpuMs: (used.user + used.system) / 1000 });
    if (total !== EXPECTED_TOTAL) throw new Error(`${name}: total ${total}, expected ${EXPECTED_TOTAL}`);
  }
  const ns = (ms: number) => (ms * 1e6) / N;
  const warm = runs.slice(1);
  return {
    variant: name,
    cpuNsPerItem: ns(Math.min(...warm.map((r) => r.cpuMs))),
    wallNsPerItem: ns(Math.min(...warm.map((r) => r.wallMs))),
    coldWallNsPerItem: ns(runs[0]!.wallMs),
  };
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const name = process.argv[2] as VariantName;
  if (!(name in VARIANTS)) {
    console.error(`unknown variant ${name}; one of ${Object.keys(VARIANTS).join(", ")}`);
    process.exit(2);
  }
  console.log(JSON.stringify(await measure(name, Number(process.argv[3] ?? 3))));
}
