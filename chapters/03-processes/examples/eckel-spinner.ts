// Eckel's one complete program (after Michele Simionato): a spinner turns in a separate process while the
// main process does a long computation, then the spinner is stopped and the answer printed. The spinner
// writes "thinking! " + a frame, then as many backspaces ("\b") to put the cursor back, so the next frame
// overwrites it in place.
//
// In Python the spinner had to be another process because of the GIL; in Node the event loop plays that
// part: a CPU-bound loop on the main thread freezes every timer in it (chapter 1). Run it twice: with
// "--same-thread" the spinner is a setInterval next to the computation, and it never gets to turn.
// Run: npx tsx chapters/03-processes/examples/eckel-spinner.ts [--same-thread]
import { forkProcess, waitForExit } from "../../../exercises/03-processes/runtime.ts";

const FRAMES = ["|", "/", "-", "\\"];
const TEXT = "thinking! ";

/** The spinner's own process: a frame every 100 ms until the parent says stop. */
function spin(): void {
  let i = 0;
  const draw = () => {
    const status = TEXT + FRAMES[i++ % FRAMES.length];
    process.stdout.write(status + "\b".repeat(status.length));
  };
  draw();
  const timer = setInterval(draw, 100);
  process.on("message", () => {
    clearInterval(timer);
    const blank = " ".repeat(TEXT.length + 1);
    process.stdout.write(blank + "\b".repeat(blank.length));
    process.send?.({ frames: i }, () => process.exit(0));
  });
}

/** The long computation: slow on purpose. */
function slowFunction(): number {
  const fib = (n: number): number => (n < 2 ? n : fib(n - 1) + fib(n - 2));
  return fib(37);
}

if (process.argv[2] === "spin") {
  spin();
} else if (process.argv.includes("--same-thread")) {
  let frames = 0;
  const timer = setInterval(() => frames++, 100);
  const started = performance.now();
  const answer = slowFunction();
  clearInterval(timer);
  console.log(
    `Answer: ${answer}; the same-thread spinner drew ${frames} frames in ${(performance.now() - started).toFixed(0)} ms`,
  );
} else {
  // This very file, started again as the spinner; its stdout is ours, so its frames appear on our line.
  const spinner = forkProcess(new URL(import.meta.url), ["spin"]);
  spinner.stdout?.pipe(process.stdout);
  await new Promise((resolve) => spinner.stdout?.once("data", resolve)); // it is turning
  const started = performance.now();
  const answer = slowFunction();
  const ms = performance.now() - started;
  spinner.send("stop");
  const { frames } = await new Promise<{ frames: number }>((resolve) => spinner.once("message", resolve));
  await waitForExit(spinner, 5_000);
  console.log(`Answer: ${answer}; the spinner process drew ${frames} frames in ${ms.toFixed(0)} ms`);
}
