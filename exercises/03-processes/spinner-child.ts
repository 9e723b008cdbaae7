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

// TODO: parse the options, write the first frame at once (text + frame, then "\b" repeated to its
//       length), then one every intervalMs, cycling the frames in order; say "started". On "stop": clear
//       the timer, erase the last frame (spaces, then as many "\b"), answer "stopped" and exit.
throw new Error("TODO: the spinner's child process is not implemented yet");
