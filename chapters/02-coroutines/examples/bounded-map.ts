// bounded-map.ts — three ways to map an async function over an async generator, and how many calls run at once.
//
//   npx tsx chapters/02-coroutines/examples/bounded-map.ts

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

async function* ids(n: number) {
  for (let i = 0; i < n; i++) yield i;
}

let running = 0;
let most = 0;
/** A fake request: it takes (5 - id % 5) turns of the event loop, so later ids often finish first. */
async function fetchSquare(id: number): Promise<number> {
  running++;
  most = Math.max(most, running);
  for (let t = 0; t < 5 - (id % 5); t++) await tick();
  running--;
  return id * id;
}

async function oneAtATime(source: AsyncIterable<number>) {
  const out: number[] = [];
  for await (const id of source) out.push(await fetchSquare(id));
  return out;
}

async function allAtOnce(source: AsyncIterable<number>) {
  const calls: Promise<number>[] = [];
  for await (const id of source) calls.push(fetchSquare(id));
  return Promise.all(calls);
}

/** At most `limit` calls in flight, results in source order: a window of started calls. */
async function* bounded(source: AsyncIterable<number>, limit: number) {
  const window: Promise<number>[] = [];
  for await (const id of source) {
    window.push(fetchSquare(id));
    if (window.length === limit) yield await window.shift()!;
  }
  while (window.length > 0) yield await window.shift()!;
  // (The exercise's version also copes with failures, early break and unhandled rejections.)
}

for (const [name, run] of [
  ["one at a time", () => oneAtATime(ids(20))],
  ["all at once  ", () => allAtOnce(ids(20))],
  [
    "window of 4  ",
    async () => {
      const out: number[] = [];
      for await (const x of bounded(ids(20), 4)) out.push(x);
      return out;
    },
  ],
] as const) {
  most = 0;
  const out = await run();
  const ordered = out.every((x, i) => x === i * i);
  console.log(
    `${name}: at most ${String(most).padStart(2)} calls at once, results in source order: ${ordered}`,
  );
}
