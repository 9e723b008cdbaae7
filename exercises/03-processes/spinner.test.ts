import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eventually as eventuallyWithin, scaledWait, withDeadline } from "../../grader/harness/deadline.ts";
import { runningDescendants, waitForNoDescendants } from "../../grader/harness/descendants.ts";
import type { Pool } from "./pool.ts";
import { loadableUrl, type PoolReply, poolWorkerEntry, startThread } from "./runtime.ts";
import { runWithSpinner, type Spinner, startSpinner } from "./spinner.ts";

const tasks = new URL("./tasks.ts", import.meta.url);

/**
 * Every spinner and pool a test starts, ended after it even when the code under test misbehaves: a
 * startSpinner that resolves where it should reject, or late, is stopped too, and a test starts only once
 * the processes of the tests before it are gone.
 */
const spinners: Spinner[] = [];
const starting: Promise<unknown>[] = [];
const pools: { terminate(): Promise<void> }[] = [];
const folders: string[] = [];
let testOver = false;
beforeEach(async () => {
  testOver = false;
  await waitForNoDescendants(scaledWait(3_000));
});
afterEach(async () => {
  // From here on a spinner that arrives late is stopped as it arrives (see started()).
  testOver = true;
  await Promise.all([
    ...starting.splice(0).map((s) => withDeadline(s, scaledWait(5_000), "startSpinner()").catch(() => {})),
    ...spinners.splice(0).map((s) => withDeadline(s.stop(), scaledWait(5_000), "stop()").catch(() => {})),
  ]);
  await Promise.all(
    pools.splice(0).map((p) => withDeadline(p.terminate(), scaledWait(5_000), "terminate()").catch(() => {})),
  );
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const WAIT_MS = scaledWait(5_000);
const within = <T>(promise: PromiseLike<T>, what: string, ms = WAIT_MS) => withDeadline(promise, ms, what);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const eventually = (condition: () => boolean, what: string, ms = WAIT_MS) =>
  eventuallyWithin(condition, what, ms);

/** An `out` stream that keeps everything written to it, and can run a check at the first write. */
function capture(onFirstWrite?: () => void) {
  let text = "";
  let writes = 0;
  const out = new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, done) {
      if (writes++ === 0) onFirstWrite?.();
      text += typeof chunk === "string" ? chunk : chunk.toString("utf8");
      done();
    },
  });
  return { out, text: () => text };
}

/** What a spinner must have written after `count` frames and its stop: each frame, then the erase. */
function expectedOutput(text: string, frames: readonly string[], count: number): string {
  let written = "";
  let last = "";
  for (let i = 0; i < count; i++) {
    last = text + frames[i % frames.length];
    written += last + "\b".repeat(last.length);
  }
  return written + " ".repeat(last.length) + "\b".repeat(last.length);
}

/**
 * Check what a spinner wrote, piece by piece: each of its `count` frames (text + frame, then as many
 * backspaces), then the erase. The first piece that differs is named by its place, and the erase by what
 * came instead of it, so a mistake reads the same however many frames the timers let the spinner write.
 */
function expectSpinnerOutput(
  written: string,
  text: string,
  frames: readonly string[],
  count: number,
  context: string,
) {
  let at = 0;
  let last = "";
  for (let i = 0; i < count; i++) {
    last = text + frames[i % frames.length];
    const piece = last + "\b".repeat(last.length);
    expect(
      JSON.stringify(written.slice(at, at + piece.length)),
      `${context}: frame ${i + 1} should be ${JSON.stringify(last)} then ${last.length === 1 ? "a backspace" : `${last.length} backspaces`}`,
    ).toBe(JSON.stringify(piece));
    at += piece.length;
  }
  const erase = " ".repeat(last.length) + "\b".repeat(last.length);
  const rest = written.slice(at);
  const instead =
    rest === erase
      ? "the erase"
      : rest === ""
        ? "nothing: the last frame stays on the line"
        : rest.startsWith(erase)
          ? "the erase, then more output after it"
          : rest.startsWith(text) && rest.includes("\b")
            ? "another frame: framesWritten counts fewer frames than were written"
            : `something else: ${JSON.stringify(rest.length > 40 ? `${rest.slice(0, 37)}…` : rest)}`;
  expect(
    instead,
    `${context}: after the frames it counts in framesWritten, the spinner should write the erase (spaces over the last frame, then backspaces) and nothing more`,
  ).toBe("the erase");
}

/** How many whole frames `written` holds, at most. */
const framesIn = (written: string) =>
  written.split("\b").filter((part, i, all) => part !== "" && i < all.length - 1).length;

const isRunning = (pid: number) => runningDescendants().some((p) => p.pid === pid);

/** startSpinner(options), with whatever spinner it resolves with stopped after the test, even a late one. */
function started(options: Parameters<typeof startSpinner>[0]): Promise<Spinner> {
  const attempt = startSpinner(options);
  starting.push(
    attempt.then(
      async (s) => {
        if (testOver) await s.stop();
        else spinners.push(s);
      },
      () => {},
    ),
  );
  return attempt;
}

async function spinner(options: Parameters<typeof startSpinner>[0]): Promise<Spinner> {
  return within(started(options), "startSpinner()", scaledWait(10_000));
}

/**
 * A pool for runWithSpinner that does not depend on your 03-processes/pool: `size` worker threads of the
 * given pool-worker.ts, one input each at a time. Only map works; runWithSpinner needs nothing else.
 */
function pool(size: number): Pool {
  const workers = Array.from({ length: size }, () => startThread(poolWorkerEntry, loadableUrl(tasks)));
  let nextId = 0;
  const run = (worker: (typeof workers)[number], task: string, input: unknown) =>
    new Promise<unknown>((resolve, reject) => {
      const id = nextId++;
      const onMessage = (reply: PoolReply) => {
        if (reply.id !== id) return;
        worker.off("message", onMessage);
        const [outcome] = reply.outcomes;
        if (outcome?.ok) resolve(outcome.value);
        else reject(new Error(outcome?.message ?? "no outcome"));
      };
      worker.on("message", onMessage);
      worker.postMessage({ type: "run", id, task, inputs: [input] });
    });
  const fake = {
    size,
    kind: "thread" as const,
    async map<T, R>(task: string, inputs: Iterable<T>): Promise<R[]> {
      const all = [...inputs];
      const results: R[] = [];
      await Promise.all(
        workers.map(async (worker, w) => {
          for (let i = w; i < all.length; i += size) results[i] = (await run(worker, task, all[i])) as R;
        }),
      );
      return results;
    },
    async terminate() {
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
  pools.push(fake);
  const unused = () => {
    throw new Error("the spinner tests' pool only has map");
  };
  return {
    ...fake,
    apply: unused,
    imap: unused,
    imapUnordered: unused,
    close: fake.terminate,
    [Symbol.asyncDispose]: fake.terminate,
  } as Pool;
}

function gates() {
  const dir = mkdtempSync(path.join(tmpdir(), "spinner-gates-"));
  folders.push(dir);
  return {
    input: (id: number, value: unknown = id) => ({ dir, id, value }),
    isStarted: (id: number) => readdirSync(dir).includes(`started-${id}`),
    open: (id: number) => writeFileSync(path.join(dir, `go-${id}`), ""),
  };
}

describe("startSpinner", () => {
  it("writes text + frame then as many backspaces, cycling the frames in order from the first, and erases the last", async ({
    signal,
  }) => {
    const texts = fc.constantFrom("", "thinking! ", "working…", "a b");
    const frameLists = fc.array(fc.constantFrom("|", "/", "-", "\\", "◐", "ab", "*"), {
      minLength: 1,
      maxLength: 5,
    });
    await fc.assert(
      fc.asyncProperty(texts, frameLists, fc.constantFrom(10, 25), async (text, frames, intervalMs) => {
        // A run that goes on after the test timed out would start spinners during the next tests.
        if (signal.aborted) throw new Error("the test timed out");
        const seen = capture();
        const s = await spinner({ text, frames, intervalMs, out: seen.out });
        // Enough frames, or at least as much text as they take: output without backspaces has no frames
        // to count, and is compared in full below.
        const enough = expectedOutput(text, frames, frames.length + 2).length;
        await eventually(
          () => framesIn(seen.text()) >= frames.length + 2 || seen.text().length >= enough,
          `the spinner should keep writing frames every ${intervalMs} ms`,
        );
        const { framesWritten } = await within(s.stop(), "stop()");
        expect(framesWritten, "framesWritten should count the frames written").toBeGreaterThanOrEqual(
          frames.length + 2,
        );
        expectSpinnerOutput(
          seen.text(),
          text,
          frames,
          framesWritten,
          `with text ${JSON.stringify(text)} and frames ${JSON.stringify(frames)}`,
        );
      }),
      // Frames of several characters and of different lengths: whichever comes last, its erase is as wide.
      { numRuns: 4, examples: [["a b", ["....", "..", "..."], 10]] },
    );
  });

  it("uses the default frames (bar, slash, dash, backslash) and no text", async () => {
    const seen = capture();
    const s = await spinner({ intervalMs: 10, out: seen.out });
    await eventually(() => framesIn(seen.text()) >= 5, "the spinner should keep writing frames");
    const { framesWritten } = await within(s.stop(), "stop()");
    expectSpinnerOutput(
      seen.text(),
      "",
      ["|", "/", "-", "\\"],
      framesWritten,
      "the default frames are | / - \\ and the default text is empty",
    );
  });

  it("by default turns every 100 ms and writes to process.stderr", async () => {
    let text = "";
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      text += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
      (rest.find((arg) => typeof arg === "function") as (() => void) | undefined)?.();
      return true;
    }) as typeof process.stderr.write;
    try {
      const before = performance.now();
      const s = await spinner({ text: "defaults " });
      // A second of turning: at 100 ms a frame about ten frames, far more if the default were a few ms.
      await sleep(1_000);
      await eventually(
        () => framesIn(text) >= 3,
        "with no `out`, the spinner should write its frames to process.stderr",
      );
      const { framesWritten } = await within(s.stop(), "stop()");
      const lived = performance.now() - before;
      expectSpinnerOutput(
        text,
        "defaults ",
        ["|", "/", "-", "\\"],
        framesWritten,
        "what the spinner wrote to process.stderr",
      );
      // Timers never fire early: a frame at once, then at most one per 100 ms of the spinner's life, which
      // lies within the `lived` ms from before startSpinner to after stop.
      expect(
        framesWritten,
        `by default a frame every 100 ms: the spinner lived less than ${Math.ceil(lived)} ms`,
      ).toBeLessThanOrEqual(Math.floor(lived / 100) + 2);
    } finally {
      process.stderr.write = write;
    }
  });

  it("resolves once its first frame is written, and waits intervalMs before the next", async () => {
    const seen = capture();
    const s = await spinner({ text: "once ", frames: ["a", "b"], intervalMs: 60_000, out: seen.out });
    await eventually(
      () => framesIn(seen.text()) >= 1,
      "the first frame should be written at once, before startSpinner resolves, not after intervalMs",
    );
    await sleep(300);
    const { framesWritten } = await within(s.stop(), "stop()");
    expect(framesWritten, "with intervalMs 60000, only the first frame is due in the first seconds").toBe(1);
    expect(JSON.stringify(seen.text()), "one frame, then the erase").toBe(
      JSON.stringify(expectedOutput("once ", ["a", "b"], 1)),
    );
  });

  it("refuses an empty list of frames and an interval that is not positive", async () => {
    for (const [shown, options] of [
      ["{ frames: [] }", { frames: [] }],
      ["{ intervalMs: 0 }", { intervalMs: 0 }],
      ["{ intervalMs: -0 }", { intervalMs: -0 }],
      ["{ intervalMs: -5 }", { intervalMs: -5 }],
      ["{ intervalMs: NaN }", { intervalMs: Number.NaN }],
    ] as const) {
      await expect(
        within(started({ ...options, out: capture().out }), "startSpinner with bad options"),
        `startSpinner(${shown}) should reject with a RangeError`,
      ).rejects.toThrow(RangeError);
    }
    expect(runningDescendants(), "a refused spinner starts no process").toEqual([]);
  });

  it("runs in a child process that has exited once stop resolves, and writes nothing afterwards", async () => {
    const seen = capture();
    const s = await spinner({ intervalMs: 10, out: seen.out });
    expect(s.pid, "the spinner must run in a process of its own, not in this one").not.toBe(process.pid);
    expect(isRunning(s.pid), "spinner.pid should be a running child process of this one").toBe(true);
    await eventually(() => framesIn(seen.text()) >= 2, "the spinner should write frames");
    await within(s.stop(), "stop()");
    expect(isRunning(s.pid), "once stop() resolves, the spinner's process should have exited").toBe(false);
    const after = seen.text();
    await sleep(100);
    expect(seen.text().length - after.length, "nothing may be written after stop() resolves").toBe(0);
    expect(
      seen.out.writableEnded,
      "stop() ended `out`, which belongs to the caller: pass the child's output on without ending it (pipe(out, { end: false }), or write each chunk)",
    ).toBe(false);
  });

  it("keeps turning while this thread is busy computing", async () => {
    const seen = capture();
    const s = await spinner({ intervalMs: 20, out: seen.out });
    const end = performance.now() + 600;
    let x = 0;
    while (performance.now() < end) x += Math.sqrt(x + 1); // 600 ms in which this thread does nothing else
    const { framesWritten } = await within(s.stop(), "stop()");
    // About 30 frames are due; 5 is a floor that a loaded machine still clears.
    expect(
      framesWritten,
      "a spinner in its own process keeps turning while this thread is busy (600 ms at 20 ms a frame)",
    ).toBeGreaterThanOrEqual(5);
    expect(framesIn(seen.text()) - 1, "every frame counted should reach out").toBe(framesWritten);
  });
});

describe("runWithSpinner", () => {
  it("keeps a spinner turning in a child process while the pool computes, and returns the pool's results", async () => {
    const p = pool(2);
    const g = gates();
    let childAtFirstFrame = false;
    const seen = capture(() => {
      childAtFirstFrame = runningDescendants().length > 0;
    });
    const running = runWithSpinner(p, "gate", [g.input(0, "a"), g.input(1, "b")], {
      intervalMs: 10,
      out: seen.out,
    });
    // A runWithSpinner that fails early fails the test with its own error, not with a wait.
    let failure: { error: unknown } | undefined;
    running.catch((error: unknown) => {
      failure = { error };
    });
    const unlessFailed = (condition: () => boolean) => () => {
      if (failure) throw failure.error;
      return condition();
    };
    await eventually(
      unlessFailed(() => g.isStarted(0) && g.isStarted(1)),
      "the pool should start the tasks",
    );
    await eventually(
      unlessFailed(() => framesIn(seen.text()) >= 3),
      "the spinner should turn while the tasks run (3 frames at 10 ms each)",
    );
    expect(childAtFirstFrame, "the spinner should be a child process, not a timer in this one").toBe(true);
    g.open(0);
    g.open(1);
    expect(
      await within(running, "runWithSpinner"),
      "runWithSpinner should return the pool's results in order",
    ).toEqual(["a", "b"]);
    expect(
      runningDescendants(),
      "the spinner's process should have exited once runWithSpinner resolves",
    ).toEqual([]);
    const written = seen.text();
    expect(written.endsWith(" \b"), "the spinner should erase its last frame").toBe(true);
    await sleep(60);
    expect(seen.text(), "nothing may be written after runWithSpinner resolves").toBe(written);
  });

  it("returns what a CPU-bound map returns", async () => {
    const p = pool(2);
    const seen = capture();
    const inputs = [20, 24, 25, 1, 0, 22];
    const fib = (n: number): number => (n < 2 ? n : fib(n - 1) + fib(n - 2));
    expect(
      await within(
        runWithSpinner(p, "fib", inputs, { out: seen.out, intervalMs: 10 }),
        "runWithSpinner",
        scaledWait(10_000),
      ),
      "runWithSpinner over fib",
    ).toEqual(inputs.map(fib));
    expect(
      framesIn(seen.text()),
      "the spinner should have written at least its first frame",
    ).toBeGreaterThanOrEqual(2);
  });

  it("stops the spinner when a task fails, and rejects with the task's error", async () => {
    const p = pool(2);
    const seen = capture();
    const failed = await within(
      runWithSpinner(p, "failLater", ["the task failed"], { out: seen.out, intervalMs: 10 }),
      "runWithSpinner with a failing task",
    ).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(
      (failed as Error | undefined)?.message,
      "runWithSpinner should reject with the task's error",
    ).toContain("the task failed");
    expect(runningDescendants(), "the spinner's process should have exited also after a failure").toEqual([]);
    const written = seen.text();
    expect(written.endsWith(" \b"), "the spinner should erase its last frame also after a failure").toBe(
      true,
    );
    await sleep(60);
    expect(seen.text(), "nothing may be written after runWithSpinner rejects").toBe(written);
  });
});
