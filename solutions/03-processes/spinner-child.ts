/**
 * Exercise 03-processes/spinner — the spinner's own process (started by startSpinner in spinner.ts).
 *
 * This module runs in a child process of its own: nothing the parent computes can stop its timer. It
 * reads its options from process.argv[2] (JSON: text, frames, intervalMs) and writes to its stdout, which
 * the parent passes on to the `out` stream. Import only node: modules here: this file is started on its own.
 *
 * Protocol with the parent (IPC messages):
 *   child → parent  { type: "started" }                     once the first frame is written
 *   parent → child  { type: "stop" }                        stop turning
 *   child → parent  { type: "stopped", framesWritten }      the last frame is erased; then the child exits
 *
 * Read first: chapters/03-processes/README.md#a-spinner-that-keeps-turning
 */

interface ChildOptions {
  readonly text: string;
  readonly frames: readonly string[];
  readonly intervalMs: number;
}

const { text, frames, intervalMs } = JSON.parse(process.argv[2] ?? "{}") as ChildOptions;
const send = (message: unknown) =>
  new Promise<void>((resolve) => {
    if (!process.connected) resolve();
    else process.send!(message, () => resolve());
  });

let framesWritten = 0;
let last = "";

/** Write the next frame, then as many backspaces as it has characters: the cursor is back where it was. */
function draw(): void {
  last = text + frames[framesWritten % frames.length];
  process.stdout.write(last + "\b".repeat(last.length));
  framesWritten++;
}

draw();
const timer = setInterval(draw, intervalMs);
void send({ type: "started" });

process.on("message", async (message: { type?: string }) => {
  if (message?.type !== "stop") return;
  clearInterval(timer);
  // Leave the line clean: blank out the last frame, and go back again.
  process.stdout.write(" ".repeat(last.length) + "\b".repeat(last.length));
  await send({ type: "stopped", framesWritten });
  process.exit(0);
});
// The parent is gone: nobody is left to watch.
process.on("disconnect", () => process.exit(0));
