// A spinner on a timer, and the same CPU-heavy work done three ways: in one go (the spinner freezes),
// in slices separated by microtasks (still frozen), and in slices separated by setImmediate (it turns).
// Run: npx tsx chapters/01-concepts/examples/spinner-freeze.ts

const frames = ["|", "/", "-", "\\"];

/** Runs `work` while a 20 ms spinner draws; returns how many frames it managed to draw. */
async function withSpinner(label: string, work: () => Promise<void> | void): Promise<void> {
  let drawn = 0;
  const spinner = setInterval(() => {
    process.stdout.write(`\r${label} ${frames[drawn++ % frames.length]}`);
  }, 20);
  const started = performance.now();
  await work();
  clearInterval(spinner);
  const ms = performance.now() - started;
  console.log(`\r${label}: ${drawn} frames in ${ms.toFixed(0)} ms (about ${Math.floor(ms / 20)} expected)`);
}

/** Busy work: about `ms` milliseconds of pure computation. */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) Math.sqrt(Math.random());
}

async function inSlices(totalMs: number, sliceMs: number, pause: () => Promise<void>): Promise<void> {
  const end = performance.now() + totalMs;
  while (performance.now() < end) {
    busy(sliceMs);
    await pause();
  }
}

await withSpinner("one long callback      ", () => busy(400));
await withSpinner("slices + microtasks    ", () => inSlices(400, 5, () => Promise.resolve()));
await withSpinner("slices + setImmediate  ", () =>
  inSlices(400, 5, () => new Promise((r) => setImmediate(r))),
);
