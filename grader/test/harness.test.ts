import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import type { Worker } from "node:worker_threads";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { DeadlineError, eventually, scaledWait, withDeadline } from "../harness/deadline.ts";
import { forkTs, waitForExit } from "../harness/processes.ts";
import { cleanupTracked } from "../harness/resources.ts";
import { openGate, startGate } from "../harness/shared-memory.ts";
import { request, startWorker } from "../harness/workers.ts";
import { RUN_ENV, TEST_TIMEOUT_MS } from "../src/vitest/env.ts";
import { exists, isRunning } from "./support.ts";

const fixture = (name: string) => new URL(`./fixtures/harness/${name}`, import.meta.url);

// The grader's tests run without the course setup file, so do its job here: nothing may outlive a test.
afterEach(async () => {
  expect(await cleanupTracked()).toEqual([]);
});

/** The next message from a worker or child, bounded so a silent fixture fails the test by name. */
function nextMessage<T>(source: Worker | ChildProcess, what: string): Promise<T> {
  return withDeadline(
    once(source, "message").then(([message]) => message as T),
    // A hang backstop, not a speed check: on a loaded machine a worker takes seconds to start.
    60_000,
    what,
  );
}

/**
 * Every process the tests saw killed. An orphan's zombie is reaped by init in its own time (about 2 s on
 * some container inits), so the tests check that each has stopped running, and this checks once, for all
 * of them, that none is left at all.
 */
const killed: number[] = [];
afterAll(async () => {
  await eventually(() => !killed.some(exists), `processes still exist: ${killed.filter(exists)}`, 60_000);
});

async function expectStopped(pids: readonly number[]): Promise<void> {
  killed.push(...pids);
  await eventually(() => !pids.some(isRunning), `still running: ${pids.filter(isRunning)}`, 30_000);
}

/** Count of live timers, from Node's own list of what keeps the event loop alive. */
const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;

describe("eventually", () => {
  it("resolves once the condition holds, and names what it waited for when it never does", async () => {
    let ready = false;
    setTimeout(() => {
      ready = true;
    }, 20);
    await eventually(() => ready, "the flag", 60_000);
    expect(ready).toBe(true);
    await expect(eventually(() => false, "a state never reached", 30)).rejects.toThrow(
      "a state never reached (waited 30 ms)",
    );
  });
});

describe("scaledWait", () => {
  afterEach(() => {
    delete process.env[RUN_ENV.testTimeout];
  });
  it("grows a wait as the run's per-test limit is raised, and never shrinks it", () => {
    delete process.env[RUN_ENV.testTimeout];
    expect(scaledWait(5_000)).toBe(5_000);
    process.env[RUN_ENV.testTimeout] = String(3 * TEST_TIMEOUT_MS);
    expect(scaledWait(5_000)).toBe(15_000);
    process.env[RUN_ENV.testTimeout] = String(TEST_TIMEOUT_MS / 2);
    expect(scaledWait(5_000)).toBe(5_000);
    for (const bad of [0, -1, Number.NaN]) expect(() => scaledWait(bad)).toThrow(RangeError);
  });
});

describe("withDeadline", () => {
  it("resolves with the value and leaves no timer behind", async () => {
    const before = timers();
    const pending = withDeadline(Promise.resolve(42), 60_000, "a quick step");
    expect(timers()).toBe(before + 1);
    await expect(pending).resolves.toBe(42);
    expect(timers()).toBe(before);
  });

  it("rejects naming the step and the limit when the promise is too slow, and leaves no timer behind", async () => {
    const before = timers();
    const never = new Promise<never>(() => {});
    const error = await withDeadline(never, 20, "the slow step").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineError);
    expect((error as Error).message).toBe("the slow step did not finish within 20 ms");
    expect(timers()).toBe(before);
  });

  it("passes on the promise's own rejection and clears its timer", async () => {
    const before = timers();
    await expect(withDeadline(Promise.reject(new Error("boom")), 60_000, "a failing step")).rejects.toThrow(
      "boom",
    );
    expect(timers()).toBe(before);
  });
});

describe("startWorker", () => {
  it("runs a TypeScript worker that answers a message and sees its own workerData", async () => {
    const worker = startWorker(fixture("echo-worker.ts"), { workerData: { id: 7, tags: ["a"] } });
    const reply = await request(worker, { ping: 1 });
    expect(reply).toEqual({ echo: { ping: 1 }, workerData: { id: 7, tags: ["a"] } });
    await worker.terminate();
  });

  it("lets cleanup terminate a worker stuck in an endless loop, and reports it as leaked", async () => {
    const worker = startWorker(fixture("spin-worker.ts"), { name: "spinner" });
    await nextMessage(worker, "the spinning worker's first message");
    let exited = false;
    worker.once("exit", () => {
      exited = true;
    });

    const leaked = await cleanupTracked();

    expect(leaked).toEqual(["worker spinner"]);
    expect(exited).toBe(true);
    expect(worker.threadId).toBe(-1);
  });

  it("ends a worker that exceeds its heap cap with an error event, and the test process carries on", async () => {
    const worker = startWorker(fixture("heap-hog-worker.ts"), {
      resourceLimits: { maxOldGenerationSizeMb: 32 },
    });
    // Not events.once for 'exit': it rejects when 'error' comes first, which is what this test expects.
    const exited = new Promise<number>((resolve) => worker.once("exit", resolve));
    const [error] = await withDeadline(once(worker, "error"), 60_000, "the heap hog's error");
    expect((error as NodeJS.ErrnoException).code).toBe("ERR_WORKER_OUT_OF_MEMORY");
    expect(await withDeadline(exited, 60_000, "the heap hog's exit")).not.toBe(0);
  });

  it("makes request fail at once when the worker exits instead of replying", async () => {
    const worker = startWorker(fixture("exit-on-message-worker.ts"), { name: "quitter" });
    // The reply limit is far beyond the test's own: only the exit can end the wait, and the message says so.
    await expect(request(worker, "hello", { timeoutMs: 600_000 })).rejects.toThrow(
      "quitter exited with code 3 before it replied",
    );
    await expect(request(worker, "again")).rejects.toThrow("quitter has already exited");
  });
});

describe("forkTs and waitForExit", () => {
  it("runs a TypeScript child that answers over IPC and exits when disconnected", async () => {
    const child = forkTs(fixture("echo-child.ts"), ["--flag", "x"]);
    const reply = nextMessage(child, "the child's reply");
    child.send({ ping: [1, 2] });
    expect(await reply).toEqual({ echo: { ping: [1, 2] }, args: ["--flag", "x"] });
    child.disconnect();
    expect(await waitForExit(child, 60_000)).toEqual({ code: 0, signal: null });
  });

  it("lets cleanup kill a child that ignores SIGTERM together with its grandchild, leaving nothing", async () => {
    const child = forkTs(fixture("stubborn-parent.ts"));
    const { grandchild } = await nextMessage<{ grandchild: number }>(child, "the grandchild's pid");
    child.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(isRunning(child.pid!)).toBe(true);

    const leaked = await cleanupTracked();

    expect(leaked).toEqual([`child process stubborn-parent.ts (pid ${child.pid})`]);
    expect(child.signalCode).toBe("SIGKILL");
    await expectStopped([child.pid!, grandchild]);
  });

  it("resolves waitForExit on exit although a grandchild still holds the child's stdout, then kills it", async () => {
    const child = forkTs(fixture("pipe-holder.ts"));
    let closed = false;
    const close = once(child, "close").then(() => {
      closed = true;
    });
    const { grandchild } = await nextMessage<{ grandchild: number }>(child, "the grandchild's pid");

    expect(await waitForExit(child, 60_000)).toEqual({ code: 0, signal: null });
    // Waiting for 'close' instead would have waited for the grandchild.
    expect(closed).toBe(false);
    // The harness killed what the child left in its group, which lets the pipes close.
    await withDeadline(close, 60_000, "closing the child's pipes");
    await expectStopped([grandchild]);
  });

  it("rejects waitForExit after the limit when the child keeps running", async () => {
    const child = forkTs(fixture("echo-child.ts"), [], { stdio: "ignore" });
    await expect(waitForExit(child, 50)).rejects.toThrow(
      `child process ${child.pid} did not finish within 50 ms`,
    );
    child.kill("SIGKILL");
    expect(await waitForExit(child, 60_000)).toEqual({ code: null, signal: "SIGKILL" });
  });
});

describe("the start gate", () => {
  it("holds workers that arrive at different times and releases them all together", async () => {
    const parties = 4;
    const staggerMs = 60;
    const gate = startGate(parties);
    const workers = Array.from({ length: parties }, (_, i) =>
      startWorker(fixture("gate-worker.ts"), { workerData: { gate, delayMs: i * staggerMs } }),
    );
    const exits = workers.map((worker) => once(worker, "exit"));
    const reports = workers.map((worker, i) =>
      nextMessage<{ arrivedAt: bigint; releasedAt: bigint; arrivalsSeenAtRelease: number }>(
        worker,
        `gate worker ${i}'s report`,
      ),
    );

    // Generous limits: they only turn a broken gate into a failure instead of a hang, and worker start-up
    // on a loaded machine takes seconds.
    await openGate(gate, 60_000);
    const seen = await Promise.all(reports);
    await withDeadline(Promise.all(exits), 60_000, "the gate workers' exits");

    // Nobody was let through before the last one arrived, whatever the machine's speed: every release
    // comes after every arrival, and each released worker saw all parties arrived.
    let lastArrival = seen[0]!.arrivedAt;
    for (const { arrivedAt } of seen) if (arrivedAt > lastArrival) lastArrival = arrivedAt;
    for (const report of seen) {
      expect(report.arrivalsSeenAtRelease, "a worker left the gate before all had arrived").toBe(parties);
      expect(report.releasedAt >= lastArrival, "a worker was released before the last one arrived").toBe(
        true,
      );
    }
  });
});
